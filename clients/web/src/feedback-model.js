/**
 * The feedback forms of both roles, their validation, and the calibration text. Pure.
 *
 * interviewer about the candidate: would_hire (bool); technical, problem_solving,
 *   communication (1-4); notes.
 * interviewee about the interviewer: would_work_with (bool); question_quality, helpfulness
 *   (1-4); notes; and, private, self_assessment (1-4): how well they think they did. It is
 *   never shown to the interviewer; after the reveal the candidate sees it beside the
 *   interviewer's technical score.
 */
import { FEEDBACK } from '@collabd/client'

// The forms themselves (fields, labels, bounds, the private field) are generated from the
// server's schema (protocol/collab_protocol/forms.py); here they take the shape the view renders.
export const SCALE = FEEDBACK.scoreLabels.map((label, i) => ({ value: FEEDBACK.scoreMin + i, label }))
export const SCORE_MIN = FEEDBACK.scoreMin
export const SCORE_MAX = FEEDBACK.scoreMax
export const NOTES_MAX = FEEDBACK.notesMaxChars // code points (protocol/SPEC.md 12.3)

function viewShape ({ title, fields }) {
  const pick = ({ name, label, help }) => (help ? { name, label, help } : { name, label })
  const notes = fields.find((f) => f.type === 'notes')
  const priv = fields.find((f) => f.private)
  return {
    title,
    yesNo: pick(fields.find((f) => f.type === 'bool')),
    scales: fields.filter((f) => f.type === 'score' && !f.private).map(pick),
    notesLabel: notes ? notes.label : null,
    private: priv ? pick(priv) : null
  }
}

export const FORMS = Object.fromEntries(
  Object.entries(FEEDBACK.forms).map(([role, form]) => [role, viewShape(form)]))

/**
 * Turn raw form values ({name: string}) into the wire form, or errors ({name: message}).
 * @returns {{form: object|null, errors: object}}
 */
export function validateFeedback (role, raw) {
  const spec = FORMS[role]
  if (!spec) return { form: null, errors: { _: 'Unknown role.' } }
  const errors = {}
  const form = {}
  const yn = raw[spec.yesNo.name]
  if (yn === 'yes' || yn === true) form[spec.yesNo.name] = true
  else if (yn === 'no' || yn === false) form[spec.yesNo.name] = false
  else errors[spec.yesNo.name] = 'Please answer yes or no.'
  const scales = spec.private ? [...spec.scales, spec.private] : spec.scales
  for (const s of scales) {
    const n = Number(raw[s.name])
    if (Number.isInteger(n) && n >= SCORE_MIN && n <= SCORE_MAX) form[s.name] = n
    else errors[s.name] = `Please choose a score from ${SCORE_MIN} to ${SCORE_MAX}.`
  }
  const notes = typeof raw.notes === 'string' ? raw.notes.trim() : ''
  if ([...notes].length > NOTES_MAX) errors.notes = `Notes can be at most ${NOTES_MAX} characters.`
  form.notes = notes
  return Object.keys(errors).length ? { form: null, errors } : { form, errors }
}

/**
 * The fields of the other side's form to show, as [label, value] pairs. The interviewee's
 * self-assessment is private: it is never listed for the interviewer, even if it arrived.
 */
export function describeTheirs (myRole, theirs) {
  const theirRole = myRole === 'interviewer' ? 'interviewee' : 'interviewer'
  return describeForm(theirRole, theirs, { includePrivate: false })
}

export function describeForm (role, values, { includePrivate }) {
  const spec = FORMS[role]
  if (!spec || !values) return []
  const rows = []
  const yn = values[spec.yesNo.name]
  if (typeof yn === 'boolean') rows.push({ name: spec.yesNo.name, label: spec.yesNo.label, value: yn ? 'Yes' : 'No' })
  const scales = includePrivate && spec.private ? [...spec.scales, spec.private] : spec.scales
  for (const s of scales) {
    const v = values[s.name]
    if (typeof v === 'number') {
      const label = SCALE.find((x) => x.value === v)
      rows.push({ name: s.name, label: s.label, value: `${v} / ${SCORE_MAX}${label ? ` (${label.label})` : ''}`, private: s === spec.private })
    }
  }
  if (typeof values.notes === 'string' && values.notes) rows.push({ name: 'notes', label: 'Notes', value: values.notes })
  return rows
}

/**
 * The candidate's calibration after the reveal: their self-assessment beside the interviewer's
 * technical score, with a short, encouraging explanation.
 */
export function calibrationText (calibration) {
  if (!calibration) return null
  const self = Number(calibration.self)
  const actual = Number(calibration.actual)
  if (!Number.isFinite(self) || !Number.isFinite(actual)) return null
  // Each case gets its own explanation: the text must describe what actually happened.
  let headline
  let body
  if (actual > self) {
    headline = 'You did better than you thought.'
    body = 'Many candidates underestimate themselves: in the moment, struggles feel bigger than they ' +
      'look from the other side of the table. Use the gap as information, not as a verdict.'
  } else if (actual < self) {
    headline = actual <= self - 2
      ? 'Your interviewer scored you well below your own guess.'
      : 'Your interviewer scored you a little below your own guess.'
    body = 'It is easy to overestimate how an interview went when the conversation felt smooth. ' +
      'Read the interviewer\'s notes for what they missed, and use the gap as information, not as a verdict.'
  } else {
    headline = 'Your self-assessment matched your interviewer\'s score.'
    body = 'You judged this interview the way your interviewer did: that calibration is a useful skill in itself.'
  }
  const rule = actual >= 3
    ? 'As a rule of thumb, a technical score of 3 or more is roughly hirable, and that is where you landed.'
    : 'As a rule of thumb, a technical score of 3 or more is roughly hirable. One interview is one sample: practice moves this number quickly.'
  return { self, actual, headline, body, rule }
}
