// Replay (SPEC 18): the document at time t from snapshots and timestamped updates.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { Timeline, Replayer, decodeBase64 } from '../src/timeline.js'

const b64 = (bytes) => Buffer.from(bytes).toString('base64')

/** A typed interview: one update per keystroke, 1 s apart; snapshots every `every` updates. */
function interview (text, { every = 500, chunked = false } = {}) {
  const doc = new Y.Doc()
  const events = [{ k: 'phase', ts: 0, phase: 'live' }]
  const expected = [''] // expected[n] = code after update n
  let n = 0
  doc.on('update', (u) => {
    n += 1
    const ts = n * 1000
    events.push({ k: 'update', ts, n, u: b64(u) })
    expected.push(doc.getText('code').toString())
    if (n % every === 0) {
      const s = b64(Y.encodeStateAsUpdate(doc))
      events.push({ k: 'snapshot', ts, n, u: chunked ? [s.slice(0, 8), s.slice(8)] : s })
    }
  })
  for (const ch of text) doc.getText('code').insert(doc.getText('code').length, ch)
  doc.getText('code').delete(0, 3) // a deletion too
  events.push({ k: 'snapshot', ts: n * 1000, n, u: b64(Y.encodeStateAsUpdate(doc)) })
  events.push({ k: 'run', ts: 5500, id: 1, from: { id: 'p1', name: 'A' }, language: 'python', stdout: 'x' })
  events.push({ k: 'chat', ts: 2500, id: 1, from: { id: 'p2', name: 'B' }, text: 'hi' })
  events.sort((a, b) => a.ts - b.ts)
  return { events, expected, n }
}

test('the document at every time t equals what was typed by then, scrubbing forward and back', () => {
  const text = 'def add(a, b):\n    return a + b  # é 🌍\n'
  const { events, expected, n } = interview(text, { every: 7 })
  const tl = new Timeline({ session: 's', complete: true }, events)
  assert.equal(tl.updates.length, n)
  const r = new Replayer(tl)
  const order = [...Array(n + 1).keys()]
  const shuffled = [...order].reverse().concat(order.filter((i) => i % 3 === 0), order)
  for (const i of shuffled) {
    const doc = r.seek(i * 1000 + 400) // between update i and i+1
    assert.equal(doc.getText('code').toString(), expected[i], `at update ${i}`)
  }
  assert.equal(r.seek(-1).getText('code').toString(), '')
})

test('opening at the end applies one snapshot; the middle needs at most a snapshot period of updates', () => {
  const { events, expected, n } = interview('x'.repeat(1200), { every: 500 })
  const tl = new Timeline({}, events)
  const end = new Replayer(tl)
  assert.equal(end.seek(tl.end).getText('code').toString(), expected[n])
  assert.equal(end.applied, 1)
  const mid = new Replayer(tl)
  assert.equal(mid.seek(700 * 1000).getText('code').toString(), expected[700])
  assert.equal(mid.applied, 1 + 200)
  // forward from there: only the new updates
  mid.seek(710 * 1000)
  assert.equal(mid.applied, 1 + 200 + 10)
})

test('snapshots split into base64 chunks are joined; marks and phases are on the same axis', () => {
  const { events, expected, n } = interview('hello world', { every: 4, chunked: true })
  const tl = new Timeline({}, events)
  assert.equal(new Replayer(tl).seek(8500).getText('code').toString(), expected[8])
  assert.deepEqual(tl.marksUntil(3000).map((e) => e.k), ['phase', 'chat'])
  assert.equal(tl.phaseAt(10), 'live')
  assert.equal(tl.start, 0)
  assert.equal(tl.end, n * 1000)
  assert.deepEqual([...decodeBase64(['AQI', 'D'])], [1, 2, 3])
})

test('an incomplete timeline starts from a snapshot n=0; unknown kinds are skipped', () => {
  const base = new Y.Doc()
  base.getText('code').insert(0, 'old ')
  const next = new Y.Doc()
  Y.applyUpdate(next, Y.encodeStateAsUpdate(base))
  let u = null
  next.on('update', (x) => { u = x })
  next.getText('code').insert(4, 'new')
  const tl = new Timeline({ complete: false }, [
    { k: 'snapshot', ts: 100, n: 0, u: b64(Y.encodeStateAsUpdate(base)) },
    { k: 'mystery', ts: 150 },
    { k: 'update', ts: 200, n: 1, u: b64(u) }
  ])
  const r = new Replayer(tl)
  assert.equal(r.seek(150).getText('code').toString(), 'old ')
  assert.equal(r.seek(250).getText('code').toString(), 'old new')
})

test('a 45-minute interview (20,000 keystrokes, snapshots every 500) opens and scrubs from the nearest snapshot', () => {
  const doc = new Y.Doc()
  const events = []
  let n = 0
  const t0 = 1_700_000_000_000
  doc.on('update', (u) => {
    n += 1
    const ts = t0 + Math.floor((n * 45 * 60 * 1000) / 20000)
    events.push({ k: 'update', ts, n, u: b64(u) })
    if (n % 500 === 0) events.push({ k: 'snapshot', ts, n, u: b64(Y.encodeStateAsUpdate(doc)) })
  })
  const text = doc.getText('code')
  for (let i = 0; i < 20000; i++) {
    if (i % 50 === 49) text.delete(text.length - 3, 2)
    else text.insert(text.length, i % 40 === 39 ? '\n' : String.fromCharCode(97 + (i % 26)))
  }
  events.push({ k: 'snapshot', ts: events[events.length - 1].ts, n, u: b64(Y.encodeStateAsUpdate(doc)) })
  const started = performance.now()
  const tl = new Timeline({}, events)
  const r = new Replayer(tl)
  const atEnd = r.seek(tl.end).getText('code').toString()
  const opened = performance.now() - started
  const atOpen = r.applied
  const mid = r.seek(tl.start + (tl.end - tl.start) / 2 + 1).getText('code').toString()
  const scrubbed = performance.now() - started - opened
  assert.equal(atEnd, text.toString())
  assert.ok(mid.length > 0 && mid.length < atEnd.length)
  console.log(`# 20000 updates: opened at the end in ${opened.toFixed(1)} ms, scrubbed to the middle in ${scrubbed.toFixed(1)} ms`)
  // the work, not the wall time (which flakes on a loaded machine): each seek starts from the
  // nearest snapshot, so it applies that snapshot and at most the 500 updates after it
  assert.ok(atOpen <= 501, `opening at the end applied ${atOpen} updates`)
  assert.ok(r.applied - atOpen <= 501, `scrubbing applied ${r.applied - atOpen} updates`)
})

test('the document marks: language switches and whiteboard clears and restores, with their times', async () => {
  const { clearBoard, restoreBoard, addElement } = await import('../src/board-model.js')
  const doc = new Y.Doc()
  const events = []
  let n = 0
  let ts = 1000
  doc.on('update', (u) => {
    n += 1
    events.push({ k: 'update', ts, n, u: b64(u) })
  })
  const meta = doc.getMap('meta')
  const board = doc.getMap('board')
  meta.set('language', 'python') // the seeded default: not a switch
  ts = 2000
  addElement(doc, board, { type: 'rect', x: 1, y: 2, w: 3, h: 4, color: '#1f2937', width: 2 })
  ts = 3000
  meta.set('language', 'go')
  ts = 4000
  clearBoard(doc, board, null, 'Teal Heron', ts)
  assert.equal(board.size, 0)
  ts = 5000
  assert.equal(restoreBoard(doc, board, null, 'Amber Fox', ts), true)
  assert.equal(board.size, 1)
  const tl = new Timeline({}, events)
  assert.deepEqual(tl.marks, []) // added after the replay opened
  assert.equal(tl.addDocumentMarks(), 3)
  assert.deepEqual(tl.marks.map((m) => [m.k, m.ts, m.language || m.what, m.by || '']), [
    ['language', 3000, 'go', ''],
    ['board', 4000, 'cleared', 'Teal Heron'],
    ['board', 5000, 'restored', 'Amber Fox']
  ])
})
