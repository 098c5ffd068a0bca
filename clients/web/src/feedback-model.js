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

export const SCALE = [
  { value: 1, label: 'Poor' },
  { value: 2, label: 'Mixed' },
  { value: 3, label: 'Good' },
  { value: 4, label: 'Excellent' }
]

export const FORMS = {
  interviewer: {
    title: 'Your feedback about the candidate',
    yesNo: { name: 'would_hire', label: 'Would you hire this candidate?' },
    scales: [
      { name: 'technical', label: 'Technical ability' },
      { name: 'problem_solving', label: 'Problem solving' },
      { name: 'communication', label: 'Communication' }
    ],
    notesLabel: 'Notes for the candidate (optional)',
    private: null
  },
  interviewee: {
    title: 'Your feedback about the interviewer',
    yesNo: { name: 'would_work_with', label: 'Would you want to work with this interviewer?' },
    scales: [
      { name: 'question_quality', label: 'Quality of the question' },
      { name: 'helpfulness', label: 'Helpfulness of the interviewer' }
    ],
    notesLabel: 'Notes for the interviewer (optional)',
    private: {
      name: 'self_assessment',
      label: 'How well do you think you did?',
      help: 'Never shown to the interviewer. After the reveal you see it beside their score. ' +
        'The operator of this service keeps it with the other answers for a study of how well people judge their own interviews, reported only in aggregate.'
    }
  }
}

export const NOTES_MAX = 5000 // code points (protocol/SPEC.md 12.3)

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
    if (Number.isInteger(n) && n >= 1 && n <= 4) form[s.name] = n
    else errors[s.name] = 'Please choose a score from 1 to 4.'
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
      rows.push({ name: s.name, label: s.label, value: `${v} / 4${label ? ` (${label.label})` : ''}`, private: s === spec.private })
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
