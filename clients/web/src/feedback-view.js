/**
 * The end-of-interview views: the role's feedback form, the waiting view, the reveal (with the
 * candidate's calibration), the unmask prompt and its result. Rendered from RoomState.
 */
import { h, uid, replaceChildren } from './dom.js'
import { FORMS, SCALE, validateFeedback, describeTheirs, describeForm, calibrationText, NOTES_MAX } from './feedback-model.js'
import { historyCard } from './history.js'
import { formatRemaining, formatDeadline } from './format.js'
import { closedExplanation } from './closed.js'
import { loadDraft, saveDraft, clearDraft } from './drafts.js'

const TERMINAL = ['unmasked', 'sealed']

export function createFeedbackView (parent, { state, send, draftRoom = '', draftWho = '' }) {
  const root = h('section', { class: 'after-pane', 'aria-labelledby': 'after-title' })
  parent.append(root)
  let formEl = null // keep a half-filled form across re-renders
  // ... and across reloads: a local draft until the server acknowledges the submission
  let draft = loadDraft(draftRoom, draftWho)
  let lastKey = ''
  let lastReveal = null

  function render () {
    const key = viewKey()
    if (key === lastKey && key === 'form') {
      updateFormStatus()
      return
    }
    if (key === lastKey && key === 'reveal' && lastReveal === state.feedback.reveal) {
      renderUnmask()
      return
    }
    lastKey = key
    lastReveal = state.feedback.reveal
    root.dataset.view = key
    switch (key) {
      case 'form': return replaceChildren(root, renderForm())
      case 'waiting': return replaceChildren(root, renderWaiting())
      case 'reveal': return replaceChildren(root, renderReveal())
      case 'closed': return replaceChildren(root, renderClosed())
      default: return replaceChildren(root, renderNotYet())
    }
  }

  function viewKey () {
    const fb = state.feedback
    if (fb.reveal) return 'reveal'
    const phase = state.phase
    if (phase === 'ended' || phase === 'feedback') return fb.mine === 'submitted' ? 'waiting' : 'form'
    if (TERMINAL.includes(phase)) return 'closed'
    if (phase === 'revealed') return 'waiting' // the reveal message follows the phase change
    return 'none'
  }

  function explanation () {
    const other = state.other
    return closedExplanation({
      reason: state.session ? state.session.close_reason : null,
      role: state.role,
      feedback: state.feedback,
      // the server sends no unmask.status once a no has closed the question: use what we sent
      unmaskMine: state.unmask.mine !== 'pending' ? state.unmask.mine : (state.unmask.sent || 'pending'),
      otherName: other ? other.name : ''
    })
  }

  // A terminal session without a reveal: one true explanation of how it ended.
  function renderClosed () {
    const e = explanation()
    return [
      h('h2', { id: 'after-title' }, e.title),
      h('p', { class: 'closed-reason', dataset: { reason: e.key } }, e.text)
    ]
  }

  /** "2:59:58 left to submit feedback (until 14:03)" for the current phase's deadline. */
  function deadlineLine (what) {
    const s = state.session
    if (!s || typeof s.ends_at !== 'number') return null
    return h('p', { class: 'help deadline', dataset: { deadline: String(s.ends_at), what } }, deadlineText(s.ends_at, what))
  }

  function renderNotYet () {
    return [
      h('h2', { id: 'after-title' }, 'Feedback'),
      h('p', {}, 'When the interview ends you will be asked for feedback here.')
    ]
  }

  // ---------------------------------------------------------------- form
  let statusLine = null
  let submitBtn = null

  function renderForm () {
    const role = state.role
    const spec = FORMS[role]
    if (!spec) return [h('h2', { id: 'after-title' }, 'Feedback'), h('p', {}, 'Waiting for the server…')]
    const errorSlots = {}
    const errorFor = (name) => {
      errorSlots[name] = h('p', { class: 'field-error', id: uid('err'), role: 'alert' })
      return errorSlots[name]
    }
    const radios = (name, options) => options.map((o) => {
      const id = uid(name)
      return h('span', { class: 'choice' },
        h('input', { type: 'radio', id, name, value: String(o.value), checked: draft[name] === String(o.value) }),
        h('label', { for: id }, o.label))
    })
    const yesNo = h('fieldset', { class: 'field yesno' },
      h('legend', {}, spec.yesNo.label),
      h('div', { class: 'choices' }, radios(spec.yesNo.name, [{ value: 'yes', label: 'Yes' }, { value: 'no', label: 'No' }])),
      errorFor(spec.yesNo.name))
    const scaleField = (s) => h('fieldset', { class: 'field scale', dataset: { name: s.name } },
      h('legend', {}, s.label),
      h('div', { class: 'choices' }, radios(s.name, SCALE.map((o) => ({ value: o.value, label: `${o.value} · ${o.label}` })))),
      errorFor(s.name))
    const notesId = uid('notes')
    const notes = h('div', { class: 'field' },
      h('label', { for: notesId }, spec.notesLabel),
      h('textarea', { id: notesId, name: 'notes', rows: '4', 'aria-describedby': `${notesId}-help` }, draft.notes || ''),
      h('p', { class: 'help', id: `${notesId}-help` }, `Up to ${NOTES_MAX} characters.`),
      errorFor('notes'))
    const privateField = spec.private
      ? h('fieldset', { class: 'field scale private', dataset: { name: spec.private.name } },
        h('legend', {}, h('span', { class: 'private-badge' }, 'Private'), ' ', spec.private.label),
        h('p', { class: 'help' }, spec.private.help),
        h('div', { class: 'choices' }, radios(spec.private.name, SCALE.map((o) => ({ value: o.value, label: `${o.value} · ${o.label}` })))),
        errorFor(spec.private.name))
      : null
    statusLine = h('p', { class: 'form-status', role: 'status' })
    submitBtn = h('button', { type: 'submit', class: 'primary' }, 'Submit feedback')
    const keep = () => {
      draft = readForm()
      saveDraft(draftRoom, draftWho, draft)
    }
    formEl = h('form', {
      class: 'feedback-form',
      dataset: { role },
      novalidate: true,
      oninput: keep,
      onchange: keep,
      onsubmit: (e) => {
        e.preventDefault()
        const { form, errors } = validateFeedback(role, readForm())
        for (const [name, slot] of Object.entries(errorSlots)) slot.textContent = errors[name] || ''
        if (!form) {
          const first = formEl.querySelector('.field-error:not(:empty)')
          const field = first && first.closest('.field')
          const input = field && field.querySelector('input, textarea')
          if (input) input.focus()
          return
        }
        const msg = state.submitFeedback(form)
        if (!send(msg)) {
          state.feedback.submitting = false
          state.feedback.error = 'You are offline. Your answers are kept; submit again when reconnected.'
          updateFormStatus()
        }
      }
    },
    yesNo, spec.scales.map(scaleField), notes, privateField, statusLine, h('div', { class: 'actions' }, submitBtn))
    updateFormStatus()
    return [
      h('h2', { id: 'after-title' }, 'The interview has ended'),
      h('p', { class: 'lead' }, 'Each of you sees the other\'s feedback only once both have submitted. Submissions are final. ' +
        'A half-filled form is kept in this browser until you submit it.'),
      deadlineLine('to submit your feedback'),
      h('h3', {}, spec.title),
      formEl
    ]
  }

  function readForm () {
    const data = new FormData(formEl)
    const out = {}
    for (const [k, v] of data.entries()) out[k] = String(v)
    return out
  }

  function updateFormStatus () {
    if (!statusLine) return
    const fb = state.feedback
    submitBtn.disabled = fb.submitting
    statusLine.textContent = fb.submitting ? 'Submitting…' : (fb.error || '')
    statusLine.classList.toggle('error', Boolean(fb.error))
  }

  // ---------------------------------------------------------------- waiting
  function renderWaiting () {
    const other = state.other
    const theirs = state.feedback.theirs === 'submitted'
    return [
      h('h2', { id: 'after-title' }, 'Thanks, your feedback is in'),
      h('div', { class: 'waiting', role: 'status' },
        h('span', { class: 'spinner', 'aria-hidden': 'true' }),
        theirs
          ? h('p', {}, 'Both sides have submitted. Revealing…')
          : h('p', {}, `Waiting for ${other ? other.name : 'the other participant'} to submit theirs. ` +
            'You will see each other\'s feedback at the same moment.')),
      theirs ? null : deadlineLine(`for ${other ? other.name : 'the other participant'} to submit`),
      theirs ? null : h('p', { class: 'help' }, 'If the deadline passes before both forms are in, neither is revealed.')
    ]
  }

  // ---------------------------------------------------------------- reveal + unmask
  const unmaskBox = h('section', { class: 'unmask', 'aria-labelledby': 'unmask-title' })

  function renderReveal () {
    const reveal = state.feedback.reveal
    const role = state.role
    const other = state.other
    const theirRows = describeTheirs(role, reveal.theirs)
    const myRows = describeForm(role, reveal.mine, { includePrivate: true })
    const table = (rows, cls) => h('dl', { class: `feedback-list ${cls}` }, rows.map((r) => [
      h('dt', {}, r.private ? [h('span', { class: 'private-badge' }, 'Private'), ' '] : null, r.label),
      h('dd', { dataset: { name: r.name } }, r.value)
    ]))
    const cal = role === 'interviewee' ? calibrationText(reveal.calibration) : null
    renderUnmask()
    return [
      h('h2', { id: 'after-title' }, 'Feedback revealed'),
      h('div', { class: 'reveal-grid' },
        h('section', { class: 'card theirs', 'aria-labelledby': 'theirs-title' },
          h('h3', { id: 'theirs-title' }, `${other ? other.name : 'The other participant'}'s feedback about you`),
          theirRows.length ? table(theirRows, 'theirs') : h('p', {}, 'No answers.')),
        cal
          ? h('section', { class: 'card calibration', 'aria-labelledby': 'cal-title' },
            h('h3', { id: 'cal-title' }, 'How well did you judge your interview?'),
            h('div', { class: 'cal-scores' },
              h('div', { class: 'cal-score' }, h('span', { class: 'cal-num', dataset: { name: 'self' } }, `${cal.self}/4`), h('span', {}, 'your guess')),
              h('div', { class: 'cal-score' }, h('span', { class: 'cal-num', dataset: { name: 'actual' } }, `${cal.actual}/4`), h('span', {}, 'interviewer\'s technical score'))),
            h('p', { class: 'cal-headline' }, cal.headline),
            h('p', {}, cal.body),
            h('p', {}, cal.rule),
            historyCard(reveal.calibration.history))
          : null,
        h('section', { class: 'card mine', 'aria-labelledby': 'mine-title' },
          h('h3', { id: 'mine-title' }, 'Your feedback'),
          table(myRows, 'mine'))),
      unmaskBox
    ]
  }

  function renderUnmask () {
    const s = state.session
    const u = state.unmask
    const parts = [h('h3', { id: 'unmask-title' }, 'Unmask')]
    if (u.result) {
      if (u.result.unmasked && u.result.identity) {
        const id = u.result.identity
        const profile = typeof id.profile === 'string' && /^https?:\/\//i.test(id.profile) ? id.profile : ''
        parts.push(h('div', { class: 'unmask-result unmasked', role: 'status' },
          h('p', { class: 'big' }, 'You both chose to unmask. Meet your counterpart:'),
          h('dl', { class: 'identity' },
            h('dt', {}, 'Name'), h('dd', { class: 'identity-name' }, String(id.name || '')),
            id.email ? [h('dt', {}, 'Email'), h('dd', {}, h('a', { href: `mailto:${id.email}` }, String(id.email)))] : null,
            profile ? [h('dt', {}, 'Profile'), h('dd', {}, h('a', { href: profile, target: '_blank', rel: 'noopener noreferrer' }, profile))] : null)))
      } else {
        const e = explanation()
        parts.push(h('div', { class: 'unmask-result sealed', role: 'status' },
          h('p', { class: 'big' }, `${e.title}.`),
          h('p', { class: 'closed-reason', dataset: { reason: e.key } }, e.text)))
      }
    } else if (s && s.unmask_offered) {
      const deadline = typeof u.deadline === 'number' ? h('p', { class: 'help deadline', dataset: { deadline: String(u.deadline), what: 'to answer' } }, deadlineText(u.deadline, 'to answer')) : null
      if (u.mine === 'yes') {
        parts.push(h('div', { class: 'unmask-prompt', role: 'status' },
          h('p', {}, 'You said yes. Waiting for the other participant to answer…'),
          deadline,
          h('button', { type: 'button', onclick: () => answer('withdraw') }, 'Withdraw my yes')))
      } else if (u.mine === 'no') {
        parts.push(h('p', { role: 'status' }, 'You chose to stay anonymous.'))
      } else {
        parts.push(h('div', { class: 'unmask-prompt' },
          h('p', {}, 'You both gave each other positive feedback. Would you like to reveal your real identities (name, email, profile) to each other?'),
          h('p', { class: 'help' }, 'Identities are exchanged only if you both say yes. A no is not announced, but with two of you it is not a secret either: if one says yes and the interview then closes without an unmask, they can tell the other said no or did not answer in time.'),
          deadline,
          h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'primary', onclick: () => answer('yes') }, 'Yes, reveal my identity'),
            h('button', { type: 'button', onclick: () => answer('no') }, 'No, stay anonymous'))))
      }
    } else if (state.phase === 'sealed') {
      const e = explanation()
      parts.push(h('p', { class: 'closed-reason', dataset: { reason: e.key } }, e.text))
    } else {
      parts.push(h('p', {}, 'Unmasking is not offered for this interview. Your identities stay private.'))
    }
    replaceChildren(unmaskBox, parts)
  }

  function deadlineText (deadline, what) {
    const left = deadline - Date.now()
    if (left <= 0) return `Time is up ${what}.`
    return `${formatRemaining(left)} left ${what} (until ${formatDeadline(deadline)}).`
  }

  function answer (value) {
    if (!send({ t: 'unmask.answer', answer: value })) {
      state.toast('You are not connected, so your answer was not sent. Try again when the connection is back.')
      return
    }
    state.unmask.sent = value === 'withdraw' ? 'pending' : value
  }

  const tick = setInterval(() => {
    for (const el of root.querySelectorAll('.deadline')) el.textContent = deadlineText(Number(el.dataset.deadline), el.dataset.what)
  }, 1000)
  state.on('feedback', () => {
    if (state.feedback.mine === 'submitted') clearDraft(draftRoom, draftWho)
  })

  state.on('session', render)
  state.on('feedback', render)
  state.on('you', render)
  state.on('unmask', () => {
    const key = viewKey()
    if (key === 'reveal') renderUnmask()
    else if (key === 'closed') replaceChildren(root, renderClosed())
  })
  render()
  return { root, destroy: () => clearInterval(tick) }
}
