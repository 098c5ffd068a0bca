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

test('a deadline today is a clock time with how far away it is; another day has its date', async () => {
  const { formatDeadline, formatRelative, formatClock } = await import('../src/format.js')
  const now = new Date(2026, 11, 7, 16, 50).getTime()
  const soon = new Date(2026, 11, 7, 16, 55).getTime()
  assert.equal(formatDeadline(soon, now), `${formatClock(soon)}, in 5 min`)
  const tomorrow = new Date(2026, 11, 8, 16, 55).getTime()
  const text = formatDeadline(tomorrow, now)
  assert.ok(text.startsWith(new Date(tomorrow).toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })), text)
  assert.ok(text.includes(formatClock(tomorrow)), text)
  assert.ok(!text.includes(' in '), text) // a day away: the date says it
  assert.equal(formatRelative(2 * 3600 * 1000 + 10 * 60000), 'in 2 h 10 min')
  assert.equal(formatRelative(20000), 'in under a minute')
  assert.equal(formatRelative(-1), '')
})

test('the lobby label does not ask you to wait for yourself', async () => {
  const { phaseLabel } = await import('../src/format.js')
  assert.equal(phaseLabel('lobby'), 'Waiting for the other participant')
})
