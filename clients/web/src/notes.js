/**
 * The private notes pad (SPEC 8.9): only its owner ever receives it. Saved to the server a moment
 * after typing stops (and when the pad loses focus); the server sends the saved text back on
 * every (re)connect and to the owner's other tabs and devices, so the pad is restored anywhere.
 * The last save wins: a copy arriving from another device replaces the pad only while nothing
 * typed here is waiting to be saved.
 */
import { h } from './dom.js'
import { formatClock } from './format.js'

export const SAVE_AFTER_MS = 800

export function createNotes (parent, { state, send, label = 'My notes' }) {
  const input = h('textarea', {
    class: 'notes-input',
    rows: '6',
    'aria-label': 'Private notes',
    placeholder: 'Ideas, things to ask, how it went. Kept with the interview and shown to you after it.',
    spellcheck: 'true'
  })
  const status = h('p', { class: 'notes-status', role: 'status' })
  const root = h('section', { class: 'notes-panel', 'aria-labelledby': 'notes-title' },
    h('div', { class: 'panel-head' },
      h('h2', { class: 'panel-title', id: 'notes-title' }, label, h('span', { class: 'private-tag' }, 'private'))),
    input, status)
  parent.append(root)

  let dirty = false // typed here, not yet confirmed by the server
  let timer = null
  let lastSent = null

  function render () {
    const n = state.notes
    input.disabled = !n.known && !dirty
    if (n.error) status.textContent = `Not saved: ${n.error}`
    else if (dirty || n.saving) status.textContent = 'Saving…'
    else if (n.ts) status.textContent = `Saved ${formatClock(n.ts)} · only you can see them`
    else status.textContent = n.known ? 'Only you can see these notes.' : 'Loading your notes…'
    status.classList.toggle('error', Boolean(n.error))
  }

  function save () {
    clearTimeout(timer)
    timer = null
    if (!dirty) return
    const text = input.value
    const max = (state.limits && state.limits.notes_max_chars) || 20000
    if ([...text].length > max) {
      state.notes.error = `notes can be at most ${max} characters.`
      render()
      return
    }
    lastSent = text
    if (!send(state.saveNotes(text))) {
      state.notes.saving = false
      state.notes.error = 'you are not connected; they are saved when you reconnect.'
      render()
    }
  }

  input.addEventListener('input', () => {
    dirty = true
    clearTimeout(timer)
    timer = setTimeout(save, SAVE_AFTER_MS)
    render()
  })
  input.addEventListener('blur', save)

  state.on('notes', (detail = {}) => {
    const n = state.notes
    if (detail.mine && n.text === input.value) dirty = false
    if (detail.mine && n.text === lastSent && input.value !== lastSent) {
      // typed more while the save was in flight: the next save carries it
    } else if (!dirty && !detail.local && !detail.error) {
      input.value = n.text
    }
    render()
  })
  // After a reconnect, notes typed while offline are sent again.
  state.on('you', () => {
    if (dirty) save()
    render()
  })
  render()

  return { root, input, render, flush: save, destroy: () => clearTimeout(timer) }
}
