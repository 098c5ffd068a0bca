import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatRemaining, phaseLabel, timerLabel, roleLabel, statusLabel } from '../src/format.js'

test('remaining time rounds up to whole seconds and never goes negative', () => {
  assert.equal(formatRemaining(0), '0:00')
  assert.equal(formatRemaining(-5000), '0:00')
  assert.equal(formatRemaining(1), '0:01')
  assert.equal(formatRemaining(59_001), '1:00')
  assert.equal(formatRemaining(45 * 60_000), '45:00')
  assert.equal(formatRemaining(3_723_000), '1:02:03')
})

test('labels for phases, timers, roles and statuses', () => {
  assert.equal(phaseLabel('live'), 'Interview in progress')
  assert.equal(phaseLabel('future-phase'), 'future-phase')
  assert.equal(timerLabel('feedback'), 'to submit feedback')
  assert.equal(roleLabel('interviewee'), 'Candidate')
  assert.equal(roleLabel('guest'), 'Guest')
  assert.equal(statusLabel('reconnecting'), 'reconnecting')
  assert.equal(statusLabel(undefined), 'not here yet')
})
