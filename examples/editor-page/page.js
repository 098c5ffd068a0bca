// The browser side: @collabd/client joins the room and a plain <textarea> is bound to the
// room's code (a Y.Text) in both directions, keeping the caret where it was on remote edits.
import { CollabClient } from '@collabd/client'

const { server, token } = window.COLLABD
const area = document.getElementById('code')
const status = document.getElementById('status')
const client = await CollabClient.connect(token, { server })
await client.waitSynced()
const text = client.code
area.value = text.toString()
area.disabled = false
const show = () => { status.textContent = `${client.you.name} (${client.you.role}), phase ${client.phase}` }
client.on('phase', show)
show()

// local typing: replace the changed middle of the text (common prefix and suffix kept)
area.addEventListener('input', () => {
  const before = text.toString()
  const after = area.value
  let start = 0
  while (start < before.length && start < after.length && before[start] === after[start]) start++
  let end = 0
  while (end < before.length - start && end < after.length - start &&
         before[before.length - 1 - end] === after[after.length - 1 - end]) end++
  client.doc.transact(() => {
    if (before.length - start - end > 0) text.delete(start, before.length - start - end)
    if (after.length - start - end > 0) text.insert(start, after.slice(start, after.length - end))
  }, 'textarea')
})

// remote edits: new text, and the caret moved by what was inserted or deleted before it
text.observe((event, tr) => {
  if (tr.origin === 'textarea') return
  let [a, b] = [area.selectionStart, area.selectionEnd]
  let pos = 0
  for (const op of event.delta) {
    if (op.retain) pos += op.retain
    if (op.insert) {
      const n = op.insert.length
      if (pos < a) a += n
      if (pos < b) b += n
      pos += n
    }
    if (op.delete) {
      if (pos < a) a -= Math.min(op.delete, a - pos)
      if (pos < b) b -= Math.min(op.delete, b - pos)
    }
  }
  area.value = text.toString()
  area.setSelectionRange(a, b)
})
window.collabdClient = client
