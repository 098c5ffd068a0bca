import { test } from 'node:test'
import assert from 'node:assert/strict'
import { closedExplanation } from '../src/closed.js'

const base = { role: 'interviewee', otherName: 'Teal Heron', unmaskMine: 'pending' }
const fb = (mine, theirs) => ({ mine, theirs })

test('each way a session closes has its own explanation (issue 13, items 4 and 6)', () => {
  const reasons = ['ended_in_lobby', 'cancelled', 'feedback_expired', 'not_offered', 'no_mutual_unmask']
  const texts = reasons.map((reason) => closedExplanation({ ...base, reason, feedback: fb('submitted', 'pending') }))
  assert.equal(new Set(texts.map((t) => `${t.title}|${t.text}`)).size, reasons.length)
  for (const t of texts) assert.doesNotMatch(`${t.title} ${t.text}`, /on its way/)
})

test('ended in the lobby is not explained as a closed feedback window', () => {
  const t = closedExplanation({ ...base, reason: 'ended_in_lobby', feedback: fb('pending', 'pending') })
  assert.doesNotMatch(`${t.title} ${t.text}`, /feedback window/i)
  assert.match(t.text, /before both of you had joined/)
})

test('feedback expired names who did not submit in time, from this side\'s knowledge', () => {
  const mineIn = closedExplanation({ ...base, reason: 'feedback_expired', feedback: fb('submitted', 'pending') })
  assert.match(mineIn.text, /before Teal Heron submitted theirs/)
  const theirsIn = closedExplanation({ ...base, reason: 'feedback_expired', feedback: fb('pending', 'submitted') })
  assert.match(theirsIn.text, /before you submitted yours/)
  const none = closedExplanation({ ...base, reason: 'feedback_expired', feedback: fb('pending', 'pending') })
  assert.match(none.text, /either of you/)
})

test('no mutual unmask: "nobody learns who chose what" is never told to the side that said yes', () => {
  const yes = closedExplanation({ ...base, reason: 'no_mutual_unmask', unmaskMine: 'yes', feedback: fb('submitted', 'submitted') })
  assert.match(yes.text, /You said yes/)
  assert.doesNotMatch(yes.text, /Nobody learns who chose what/)
  const no = closedExplanation({ ...base, reason: 'no_mutual_unmask', unmaskMine: 'no', feedback: fb('submitted', 'submitted') })
  assert.match(no.text, /You chose to stay anonymous/)
  const notOffered = closedExplanation({ ...base, reason: 'not_offered', feedback: fb('submitted', 'submitted') })
  assert.doesNotMatch(notOffered.text, /who chose what|said no/)
})
