import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadDraft, saveDraft, clearDraft } from '../src/drafts.js'

function memoryStorage () {
  const m = new Map()
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k), size: () => m.size }
}

test('a feedback draft survives a reload, per room and participant, until cleared (issue 13, item 5)', () => {
  const s = memoryStorage()
  saveDraft('s-1', 'p-a', { would_hire: 'yes', technical: '3', notes: 'half a thought' }, s)
  assert.deepEqual(loadDraft('s-1', 'p-a', s), { would_hire: 'yes', technical: '3', notes: 'half a thought' })
  assert.deepEqual(loadDraft('s-1', 'p-b', s), {})
  assert.deepEqual(loadDraft('s-2', 'p-a', s), {})
  clearDraft('s-1', 'p-a', s)
  assert.deepEqual(loadDraft('s-1', 'p-a', s), {})
})

test('damaged drafts read as empty', () => {
  const s = memoryStorage()
  s.setItem('collabd-feedback-draft:r:p', '{not json')
  assert.deepEqual(loadDraft('r', 'p', s), {})
  s.setItem('collabd-feedback-draft:r:p', '{"technical": 3, "notes": "x"}')
  assert.deepEqual(loadDraft('r', 'p', s), { notes: 'x' })
})
