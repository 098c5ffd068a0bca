/**
 * The question panel beside the code (SPEC 8.8): the interviewer's Markdown, rendered through
 * markdown.js (DOM nodes from a fixed set, never HTML from the text). The interviewer can edit it
 * in the lobby and while live; the interviewee only reads it (the server refuses their
 * question.set anyway).
 */
import { h, replaceChildren } from './dom.js'
import { renderMarkdown } from './markdown.js'
import { formatClock } from './format.js'


export function createQuestion (parent, { state, send }) {
  const body = h('div', { class: 'question-body', tabindex: '0', 'aria-label': 'Question text' })
  const meta = h('p', { class: 'question-meta', role: 'status' })
  const editBtn = h('button', { type: 'button', class: 'question-edit', hidden: true }, 'Edit')
  const collapseBtn = h('button', { type: 'button', class: 'link question-collapse', 'aria-expanded': 'true' }, 'Hide')
  const input = h('textarea', { class: 'question-input', rows: '14', 'aria-label': 'Question (Markdown)', spellcheck: 'true' })
  const saveBtn = h('button', { type: 'submit', class: 'primary' }, 'Save question')
  const cancelBtn = h('button', { type: 'button' }, 'Cancel')
  const formNote = h('p', { class: 'question-error', role: 'alert' })
  const form = h('form', { class: 'question-form', hidden: true },
    input,
    h('p', { class: 'hint' }, 'Markdown: # headings, **bold**, `code`, lists, ``` code blocks, [links](https://…). HTML is shown as text.'),
    formNote,
    h('div', { class: 'actions' }, saveBtn, cancelBtn))
  const root = h('section', { class: 'question-panel', 'aria-labelledby': 'question-title' },
    h('div', { class: 'panel-head' },
      h('h2', { class: 'panel-title', id: 'question-title' }, 'Question'),
      h('span', { class: 'question-actions' }, editBtn, collapseBtn)),
    body, meta, form)
  parent.append(root)

  let editing = false

  function canEdit () {
    return state.may('set_question')
  }

  function render () {
    const q = state.question
    if (q.text) {
      replaceChildren(body, renderMarkdown(q.text))
    } else {
      replaceChildren(body, h('p', { class: 'muted question-empty' },
        !q.known ? 'Loading the question…' : canEdit() ? 'No question yet. Press Edit to write it (Markdown).' : 'The interviewer has not set a question yet.'))
    }
    meta.textContent = q.saving ? 'Saving…' : q.ts ? `Updated ${formatClock(q.ts)}` : ''
    editBtn.hidden = !canEdit() || editing
    body.hidden = editing
    form.hidden = !editing
    formNote.textContent = q.error ? `Not saved: ${q.error}` : ''
    saveBtn.disabled = q.saving
    if (editing && !canEdit()) stopEditing()
  }

  function startEditing () {
    editing = true
    input.value = state.question.text
    render()
    input.focus()
  }

  function stopEditing () {
    editing = false
    render()
    editBtn.focus()
  }

  editBtn.addEventListener('click', startEditing)
  cancelBtn.addEventListener('click', stopEditing)
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const max = (state.limits && state.limits.question_max_chars) || 20000
    if ([...input.value].length > max) {
      formNote.textContent = `The question can be at most ${max} characters.`
      return
    }
    if (!send(state.setQuestion(input.value))) {
      state.question.saving = false
      state.question.error = 'you are not connected; try again when reconnected.'
      render()
    }
  })
  collapseBtn.addEventListener('click', () => {
    const collapsed = root.classList.toggle('collapsed')
    collapseBtn.textContent = collapsed ? 'Show' : 'Hide'
    collapseBtn.setAttribute('aria-expanded', String(!collapsed))
  })

  state.on('question', (detail = {}) => {
    if (detail.mine && editing) {
      editing = false
    }
    render()
  })
  state.on('session', render)
  state.on('you', render)
  render()
  /** Unfold the panel and bring it into view (the "question changed" notice). */
  function show () {
    if (root.classList.contains('collapsed')) collapseBtn.click()
    root.scrollIntoView({ block: 'nearest' })
    body.focus()
  }

  return { root, render, show }
}
