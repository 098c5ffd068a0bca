import { test } from 'node:test'
import assert from 'node:assert/strict'
import { historyModel, position } from '../src/history.js'

test('history needs two valid interviews', () => {
  assert.equal(historyModel(undefined), null)
  assert.equal(historyModel({ points: [{ guess: 2, actual: 3 }] }), null)
  assert.equal(historyModel({ points: [{ guess: 2, actual: 3 }, { guess: 9, actual: 3 }] }), null)
  const m = historyModel({
    points: [{ ended_at: 1, guess: 2, actual: 3 }, { ended_at: 2, guess: 4, actual: 4 }],
    tendency: 'In your last 2 interviews…'
  })
  assert.deepEqual(m.points, [{ guess: 2, actual: 3, endedAt: 1 }, { guess: 4, actual: 4, endedAt: 2 }])
  assert.equal(m.tendency, 'In your last 2 interviews…')
  assert.equal(historyModel({ points: m.points.map((p) => ({ guess: p.guess, actual: p.actual })), tendency: 7 }).tendency, '')
})

test('scores map top to bottom and interviews left to right', () => {
  assert.deepEqual(position(0, 3, 4), [30, 12])
  assert.deepEqual(position(2, 3, 1), [310, 124])
  assert.deepEqual(position(1, 3, 2.5), [170, 68])
})
