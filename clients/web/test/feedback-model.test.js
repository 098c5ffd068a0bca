import { test } from 'node:test'
import assert from 'node:assert/strict'
import { validateFeedback, describeTheirs, describeForm, calibrationText, FORMS } from '../src/feedback-model.js'

test('a complete interviewer form becomes the wire form', () => {
  const { form, errors } = validateFeedback('interviewer', { would_hire: 'yes', technical: '3', problem_solving: '4', communication: '2', notes: '  good  ' })
  assert.deepEqual(errors, {})
  assert.deepEqual(form, { would_hire: true, technical: 3, problem_solving: 4, communication: 2, notes: 'good' })
})

test('the interviewee form carries the private self-assessment', () => {
  const { form } = validateFeedback('interviewee', { would_work_with: 'no', question_quality: '4', helpfulness: '1', self_assessment: '2' })
  assert.deepEqual(form, { would_work_with: false, question_quality: 4, helpfulness: 1, self_assessment: 2, notes: '' })
  assert.equal(FORMS.interviewee.private.name, 'self_assessment')
  assert.match(FORMS.interviewee.private.help, /never shown to the interviewer/i)
})

test('missing or out-of-range answers are reported per field', () => {
  const { form, errors } = validateFeedback('interviewer', { technical: '5', problem_solving: '0', communication: 'x' })
  assert.equal(form, null)
  assert.deepEqual(Object.keys(errors).sort(), ['communication', 'problem_solving', 'technical', 'would_hire'])
  assert.ok(validateFeedback('interviewee', { would_work_with: 'yes', question_quality: '3', helpfulness: '3' }).errors.self_assessment)
  assert.ok(validateFeedback('interviewer', { would_hire: 'no', technical: '1', problem_solving: '1', communication: '1', notes: 'x'.repeat(5001) }).errors.notes)
  // the limit counts code points, as the server does: 5000 emoji (10000 UTF-16 units) are fine
  assert.deepEqual(validateFeedback('interviewer', { would_hire: 'no', technical: '1', problem_solving: '1', communication: '1', notes: '🌍'.repeat(5000) }).errors, {})
  assert.ok(validateFeedback('guest', {}).errors._)
})

test('the interviewer never sees the candidate\'s self-assessment, even if it arrived', () => {
  const theirs = { would_work_with: true, question_quality: 4, helpfulness: 3, self_assessment: 1, notes: 'thanks' }
  const rows = describeTheirs('interviewer', theirs)
  assert.deepEqual(rows.map((r) => r.name), ['would_work_with', 'question_quality', 'helpfulness', 'notes'])
  assert.ok(rows.every((r) => !/how well do you think/i.test(r.label)))
})

test('the candidate sees their own private answer, marked private', () => {
  const rows = describeForm('interviewee', { would_work_with: true, question_quality: 4, helpfulness: 3, self_assessment: 2, notes: '' }, { includePrivate: true })
  const priv = rows.find((r) => r.name === 'self_assessment')
  assert.equal(priv.private, true)
  assert.equal(priv.value, '2 / 4 (Mixed)')
  assert.equal(describeTheirs('interviewee', { would_hire: false, technical: 2 }).map((r) => r.value).join('|'), 'No|2 / 4 (Mixed)')
})

test('calibration compares the guess with the technical score, encouragingly', () => {
  const better = calibrationText({ self: 2, actual: 3 })
  assert.equal(better.headline, 'You did better than you thought.')
  assert.match(better.body, /underestimate/)
  assert.match(better.rule, /3 or more is roughly hirable/)
  assert.match(calibrationText({ self: 4, actual: 2 }).headline, /well below your own guess/)
  assert.match(calibrationText({ self: 3, actual: 3 }).headline, /matched/)
  assert.equal(calibrationText(null), null)
  assert.equal(calibrationText({ self: 'x', actual: 3 }), null)
})

test('calibration: an overestimate is called one, never explained as an underestimate (issue 13, item 9)', () => {
  const over = calibrationText({ self: 4, actual: 1 })
  assert.match(over.headline, /below your own guess/)
  assert.doesNotMatch(over.headline, /differently/)
  assert.doesNotMatch(`${over.body} ${over.headline}`, /underestimate|better than you thought|struggles feel bigger/)
  assert.match(over.body, /overestimate/)
  assert.match(calibrationText({ self: 3, actual: 2 }).headline, /a little below/)
})

test('the self-assessment says honestly who uses it (issue 13, item 9)', () => {
  const help = FORMS.interviewee.private.help
  assert.doesNotMatch(help, /only you will see/i)
  assert.match(help, /Never shown to the interviewer/)
  assert.match(help, /study/)
  assert.match(help, /aggregate/)
})
