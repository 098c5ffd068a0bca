/**
 * The interview room: header (both pseudonyms, phase, remaining time, connection state, call
 * controls, chat toggle, end button), tabs for the code editor, the whiteboard and (after the
 * end) the feedback views, and the chat side panel.
 */
import { h, dot, replaceChildren, safeColor } from './dom.js'
import { RoomState } from './state.js'
import { RoomConnection } from './connection.js'
import { createEditor, LANGUAGES } from './editor.js'
import { createWhiteboard } from './whiteboard.js'
import { createChat } from './chat.js'
import { CallController, CALL_LABELS } from './call.js'
import { CallRecorder, createRecordingControls } from './recording.js'
import { createFeedbackView } from './feedback-view.js'
import { formatRemaining, phaseLabel, timerLabel, roleLabel, statusLabel, PHASE_SHORT } from './format.js'
import { readableOn } from './color.js'
import { linkProblem, mountLinkProblem } from './link-problem.js'
import { applyTheme, currentTheme, currentFontSize, saveFontSize, FONT_SIZES, panelBackground } from './theme.js'
import { languageById } from './editor.js'
import { createQuestion } from './question.js'
import { createRuns } from './runs.js'
import { createNotes } from './notes.js'
import { createReplay } from './replay.js'
import { connectEmbed } from './embed.js'

let ringingNow = false
const AFTER_PHASES = new Set(['ended', 'feedback', 'revealed', 'unmasked', 'sealed'])
const NARROW = '(max-width: 900px)'
const WARN_AT = [{ ms: 5 * 60 * 1000, text: '5 minutes left in the interview.' }, { ms: 60 * 1000, text: '1 minute left in the interview.' }]
const FILE_EXT = { python: 'py', javascript: 'js', typescript: 'ts', java: 'java', cpp: 'cpp', go: 'go', rust: 'rs', sql: 'sql', plaintext: 'txt' }

export function mountRoom (app, { token, payload }) {
  const state = new RoomState({ role: payload.role, room: payload.room })
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const conn = new RoomConnection({ url: `${scheme}://${location.host}/rooms`, room: payload.room, token, state })
  const send = (msg) => conn.send(msg)

  // ---------------------------------------------------------------- header
  const youChip = h('span', { class: 'person you' })
  const otherChip = h('span', { class: 'person other' })
  const phaseEl = h('span', { class: 'phase' }, 'Connecting')
  // at phone width the phase and the connection state are shown in a word (style.css)
  const phaseShort = h('span', { class: 'phase-short' })
  const connShort = h('span', { class: 'conn-short' })
  const timerEl = h('span', { class: 'timer', role: 'timer', 'aria-live': 'off' })
  const connText = h('span', { class: 'conn-text' })
  const retryBtn = h('button', { type: 'button', class: 'link', hidden: true, onclick: () => conn.reconnectNow() }, 'Retry now')
  const connEl = h('div', { class: 'conn', role: 'status' }, h('span', { class: 'conn-dot', 'aria-hidden': 'true' }), connText, connShort, retryBtn)

  const callState = h('span', { class: 'call-state' })
  const callBtn = h('button', { type: 'button', class: 'call-start' })
  const declineBtn = h('button', { type: 'button', class: 'call-decline', hidden: true }, 'Decline')
  const muteBtn = h('button', { type: 'button', class: 'call-mute', 'aria-pressed': 'false', hidden: true }, 'Mute')
  const audio = h('audio', { autoplay: true, class: 'remote-audio' })
  const maskBox = h('input', { type: 'checkbox', class: 'call-mask', 'aria-label': 'Mask my voice' })
  // at phone width only the checkbox shows (style.css: the header keeps to two rows)
  const maskLabel = h('label', { class: 'call-mask-label', title: 'Shift your voice into one neutral pitch before it leaves this device' }, maskBox,
    h('span', { class: 'call-mask-text' }, ' Mask my voice'))
  const previewBtn = h('button', { type: 'button', class: 'link call-preview', 'aria-pressed': 'false' }, 'How do I sound?')
  const maskInfo = h('span', { class: 'call-mask-info muted', 'aria-live': 'polite' })
  const callEl = h('div', { class: 'call', role: 'group', 'aria-label': 'Voice call' }, callState, callBtn, declineBtn, muteBtn, maskLabel, previewBtn, maskInfo, audio)

  const unreadBadge = h('span', { class: 'badge', hidden: true })
  // the name is the visible text plus " unread" for screen readers ("Chat 3 unread")
  const unreadSr = h('span', { class: 'sr-only', hidden: true }, ' unread')
  const chatToggle = h('button', { type: 'button', class: 'chat-toggle', 'aria-expanded': 'true', 'aria-controls': 'sidebar' }, 'Chat ', unreadBadge, unreadSr)
  const endBtn = h('button', { type: 'button', class: 'danger end-btn', hidden: true }, 'End interview')
  const themeBtn = h('button', { type: 'button', class: 'theme-toggle', 'aria-pressed': 'false', 'aria-label': 'Dark mode' },
    h('span', { class: 'theme-icon', 'aria-hidden': 'true' }, '◐'), h('span', { class: 'theme-label' }, 'Dark mode'))

  const header = h('header', { class: 'room-header' },
    h('h1', { class: 'sr-only' }, 'Interview room'),
    h('a', { class: 'brand', href: '/', 'aria-label': 'collabd home' }, 'collabd'),
    h('div', { class: 'people', 'aria-label': 'Participants' }, youChip, otherChip),
    h('div', { class: 'session-info' }, phaseEl, phaseShort, timerEl),
    connEl,
    callEl,
    h('div', { class: 'header-actions' }, themeBtn, chatToggle, endBtn))
  const banner = h('div', { class: 'banner', role: 'status', hidden: true })
  // Short-lived notices (timer warnings, language switches, an incoming call, another tab).
  const notices = h('div', { class: 'notices', role: 'status', 'aria-live': 'polite' })
  function notify (key, text, { kind = 'info', actions = [], timeout = 0 } = {}) {
    const old = notices.querySelector(`[data-key="${key}"]`)
    if (old) old.remove()
    if (!text) return null
    const el = h('div', { class: `notice notice-${kind}`, dataset: { key } },
      h('span', { class: 'notice-text' }, text), actions,
      h('button', { type: 'button', class: 'link notice-close', 'aria-label': 'Dismiss', onclick: () => el.remove() }, '×'))
    notices.append(el)
    if (timeout) setTimeout(() => el.remove(), timeout)
    return el
  }

  // ---------------------------------------------------------------- tabs
  const tabs = [
    { id: 'feedback', label: 'Feedback' },
    { id: 'replay', label: 'Replay' },
    { id: 'code', label: 'Code' },
    { id: 'board', label: 'Whiteboard' }
  ]
  const tabButtons = {}
  const panels = {}
  const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Workspace' })
  for (const t of tabs) {
    tabButtons[t.id] = h('button', {
      type: 'button',
      role: 'tab',
      id: `tab-${t.id}`,
      'aria-controls': `panel-${t.id}`,
      'aria-selected': 'false',
      tabindex: '-1',
      onclick: () => selectTab(t.id),
      onkeydown: (e) => tabKey(e, t.id)
    }, t.label)
    panels[t.id] = h('div', { class: `panel panel-${t.id}`, role: 'tabpanel', id: `panel-${t.id}`, 'aria-labelledby': `tab-${t.id}`, hidden: true })
    tablist.append(tabButtons[t.id])
  }
  let currentTab = 'code'

  function visibleTabs () {
    return tabs.filter((t) => !tabButtons[t.id].hidden).map((t) => t.id)
  }

  function selectTab (id, focus = false) {
    currentTab = id
    for (const t of tabs) {
      const on = t.id === id
      tabButtons[t.id].setAttribute('aria-selected', String(on))
      tabButtons[t.id].tabIndex = on ? 0 : -1
      panels[t.id].hidden = !on
    }
    if (focus) tabButtons[id].focus()
    if (id === 'feedback') notify('ended', '') // it only pointed here
    if (id === 'board') whiteboard.refresh()
    if (id === 'code') editor.view.requestMeasure()
    if (id === 'replay') {
      replay.load()
      replay.refresh()
    }
  }

  function tabKey (e, id) {
    const ids = visibleTabs()
    const i = ids.indexOf(id)
    let next = null
    if (e.key === 'ArrowRight') next = ids[(i + 1) % ids.length]
    else if (e.key === 'ArrowLeft') next = ids[(i - 1 + ids.length) % ids.length]
    else if (e.key === 'Home') next = ids[0]
    else if (e.key === 'End') next = ids[ids.length - 1]
    if (next) {
      e.preventDefault()
      selectTab(next, true)
    }
  }

  // ---------------------------------------------------------------- code panel
  const langSelect = h('select', { class: 'lang-select', 'aria-label': 'Language' },
    LANGUAGES.map((l) => h('option', { value: l.id }, l.label)))
  const editorHost = h('div', { class: 'editor-host' })
  const questionHost = h('div', { class: 'question-host' })
  const runsHost = h('div', { class: 'runs-host' })
  const fontSelect = h('select', { class: 'font-select', 'aria-label': 'Editor font size' },
    FONT_SIZES.map((n) => h('option', { value: String(n) }, `${n}px`)))
  panels.code.append(
    h('div', { class: 'pane-toolbar' },
      h('label', {}, 'Language ', langSelect),
      h('label', {}, 'Font size ', fontSelect),
      h('span', { class: 'hint' }, 'Ctrl+Enter runs · Esc then Tab leaves the editor')),
    h('div', { class: 'code-layout' }, questionHost, h('div', { class: 'code-main' }, editorHost, runsHost)))
  const editor = createEditor(editorHost, { doc: conn.doc, awareness: conn.awareness, live: () => conn.synced })
  langSelect.value = editor.language
  langSelect.addEventListener('change', () => editor.setLanguage(langSelect.value))
  editor.onLanguageChange((id, { remote } = {}) => {
    langSelect.value = id
    if (remote) {
      const who = state.other && state.other.name ? state.other.name : 'The other participant'
      notify('language', `${who} switched the editor language to ${languageById(id).label}.`, { timeout: 12000 })
    }
  })
  function applyFont (n) {
    fontSelect.value = String(n)
    editorHost.style.setProperty('--editor-font', `${n}px`)
    editor.view.requestMeasure()
  }
  fontSelect.addEventListener('change', () => {
    saveFontSize(Number(fontSelect.value))
    applyFont(Number(fontSelect.value))
  })
  applyFont(currentFontSize())
  function applyDark (theme) {
    themeBtn.setAttribute('aria-pressed', String(theme === 'dark'))
    editor.setDark(theme === 'dark')
    replay.setDark(theme === 'dark')
    chat.rerender()
    renderPeople()
  }
  themeBtn.addEventListener('click', () => {
    const next = currentTheme() === 'dark' ? 'light' : 'dark'
    applyTheme(next, true)
    applyDark(next)
  })
  // Everyone agrees on the language: once synced, write the default if nobody chose one.
  conn.onSynced(() => {
    if (!state.readOnly && !AFTER_PHASES.has(state.phase)) editor.seedLanguage()
  })

  const question = createQuestion(questionHost, { state, send })
  // The candidate is told when the question changes under them (not about the one at join).
  state.on('question', ({ changed, previous } = {}) => {
    if (!changed || AFTER_PHASES.has(state.phase)) return
    const who = state.other && state.other.name ? state.other.name : 'The interviewer'
    const did = !state.question.text ? 'removed' : previous ? 'changed' : 'set'
    notify('question', `${who} ${did} the question.`, {
      actions: state.question.text
        ? [h('button', { type: 'button', onclick: () => { notify('question', ''); selectTab('code'); question.show() } }, 'Show the question')]
        : []
    })
  })
  const runs = createRuns(runsHost, {
    state,
    send,
    code: () => conn.doc.getText('code').toString(),
    language: () => editor.language,
    awareness: conn.awareness,
    selfId: conn.doc.clientID
  })
  editor.onLanguageChange((id) => {
    runs.renderControls()
    if (id === 'python') runs.warm()
  })
  editorHost.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault()
      runs.run()
    }
  }, true)
  const whiteboard = createWhiteboard(panels.board, {
    doc: conn.doc,
    awareness: conn.awareness,
    live: () => conn.synced,
    // the other side clearing (or restoring) the board is news; either may restore it
    onClear: ({ what, by, local }) => {
      if (local) return notify('board', '')
      const who = by || 'The other participant'
      if (what === 'restored') return notify('board', `${who} restored the whiteboard.`, { timeout: 12000 })
      notify('board', `${who} cleared the whiteboard.`, {
        kind: 'warn',
        actions: [h('button', { type: 'button', onclick: () => { whiteboard.restore(); notify('board', '') } }, 'Restore it')]
      })
    }
  })
  const feedbackView = createFeedbackView(panels.feedback, { state, send, draftRoom: payload.room, draftWho: payload.pid || payload.role })

  // After the interview: keep a copy of the code and the board.
  const copyStatus = h('span', { class: 'copy-status', role: 'status' })
  const keepBox = h('section', { class: 'keep-copy', 'aria-labelledby': 'keep-title', hidden: true },
    h('h3', { id: 'keep-title' }, 'Keep a copy'),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: copyCode }, 'Copy the code'),
      h('button', { type: 'button', onclick: downloadCode }, 'Download the code'),
      h('button', { type: 'button', onclick: downloadBoard }, 'Download the whiteboard (PNG)'),
      copyStatus))
  panels.feedback.append(keepBox)
  // Your own notes beside your feedback (the pad in the sidebar stays editable).
  const notesCopy = h('pre', { class: 'notes-copy' })
  const notesBox = h('section', { class: 'my-notes', 'aria-labelledby': 'my-notes-title', hidden: true },
    h('h3', { id: 'my-notes-title' }, 'Your private notes'),
    h('p', { class: 'muted' }, 'Only you can see these.'),
    notesCopy)
  panels.feedback.append(notesBox)
  function renderNotesCopy () {
    notesCopy.textContent = state.notes.text
    notesBox.hidden = !state.notes.text
  }
  state.on('notes', renderNotesCopy)
  const replay = createReplay(panels.replay, { state, send })
  function codeText () {
    return conn.doc.getText('code').toString()
  }
  async function copyCode () {
    try {
      await navigator.clipboard.writeText(codeText())
      copyStatus.textContent = 'Code copied.'
    } catch {
      copyStatus.textContent = 'Copying was blocked by the browser; use Download instead.'
    }
  }
  function save (blob, name) {
    const a = h('a', { href: URL.createObjectURL(blob), download: name, hidden: true })
    document.body.append(a)
    a.click()
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove() }, 1000)
  }
  function downloadCode () {
    save(new Blob([codeText()], { type: 'text/plain;charset=utf-8' }), `interview-code.${FILE_EXT[editor.language] || 'txt'}`)
    copyStatus.textContent = 'Code downloaded.'
  }
  async function downloadBoard () {
    const blob = await whiteboard.toPNG()
    if (!blob) {
      copyStatus.textContent = 'The whiteboard is empty.'
      return
    }
    save(blob, 'interview-whiteboard.png')
    copyStatus.textContent = 'Whiteboard downloaded.'
  }

  // ---------------------------------------------------------------- sidebar
  const sidebar = h('aside', { class: 'sidebar', id: 'sidebar' })
  const chat = createChat(sidebar, {
    state,
    send,
    textBackground: panelBackground,
    whyNotSent: () => (navigator.onLine === false
      ? 'you are offline. Check your network; the message was not sent.'
      : 'the server cannot be reached right now. Try again in a moment.'),
    onClose: () => {
      sidebarOpen = false
      applySidebar()
      chatToggle.focus()
    }
  })
  const notes = createNotes(sidebar, { state, send })
  const workspace = h('main', { class: 'workspace' }, tablist, Object.values(panels))
  const toasts = h('div', { class: 'toasts', 'aria-live': 'assertive' })

  const confirmDialog = h('dialog', { class: 'confirm', 'aria-labelledby': 'confirm-title' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'confirm-title' }, 'End the interview?'),
      h('p', { class: 'confirm-text' }),
      h('div', { class: 'actions' },
        h('button', { value: 'cancel', type: 'submit' }, 'Keep going'),
        h('button', { value: 'end', type: 'submit', class: 'danger' }, 'End interview'))))
  confirmDialog.addEventListener('close', () => {
    if (confirmDialog.returnValue === 'end' && !send({ t: 'session.end' })) {
      state.toast('You are offline; the interview was not ended. Try again when reconnected.')
    }
  })
  endBtn.addEventListener('click', () => {
    confirmDialog.querySelector('.confirm-text').textContent = state.phase === 'lobby'
      ? 'The candidate has not joined yet. Ending now closes the session without feedback. This cannot be undone.'
      : 'The code and whiteboard become read-only and you both move on to feedback. This cannot be undone.'
    confirmDialog.returnValue = ''
    confirmDialog.showModal()
  })

  const root = h('div', { class: 'room' }, header, banner, notices, h('div', { class: 'room-body' }, workspace, sidebar), toasts, confirmDialog)
  replaceChildren(app, root)

  // ---------------------------------------------------------------- chat visibility + unread
  const narrow = window.matchMedia(NARROW)
  let sidebarOpen = !narrow.matches
  function applySidebar () {
    root.classList.toggle('sidebar-open', sidebarOpen)
    chatToggle.setAttribute('aria-expanded', String(sidebarOpen))
    state.setChatVisible(sidebarOpen && document.visibilityState === 'visible')
  }
  chatToggle.addEventListener('click', () => {
    sidebarOpen = !sidebarOpen
    applySidebar()
    if (sidebarOpen) chat.focus()
  })
  narrow.addEventListener('change', () => {
    sidebarOpen = !narrow.matches
    applySidebar()
  })
  document.addEventListener('visibilitychange', applySidebar)
  sidebar.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && narrow.matches && sidebarOpen) {
      sidebarOpen = false
      applySidebar()
      chatToggle.focus()
    }
  })

  function renderUnread () {
    const n = state.chat.unread
    unreadBadge.hidden = n === 0
    unreadBadge.textContent = String(n)
    unreadSr.hidden = n === 0
    const ringing = ringingNow ? 'Incoming call · ' : ''
    document.title = `${ringing}${n ? `(${n}) ` : ''}collabd — ${phaseLabel(state.phase)}`
  }
  state.on('chat', renderUnread)

  // ---------------------------------------------------------------- call
  const call = new CallController({
    send,
    peerId: () => (state.other ? state.other.id : ''),
    polite: () => state.role === 'interviewee',
    ice: () => state.ice,
    audio
  })
  state.on('signal', (msg) => { call.handleSignal(msg) })
  state.on('ice', () => call.syncMaskPolicy())
  call.syncMaskPolicy()
  let lastCallState = 'idle'
  call.onChange((s) => {
    ringingNow = s === 'incoming'
    if (s === 'incoming' && lastCallState !== 'incoming') announceCall()
    if (s !== 'incoming') notify('call', '')
    lastCallState = s
  })
  // An incoming call is hard to miss: a notice with the answer buttons, the tab title, a ring.
  function announceCall () {
    const who = state.other && state.other.name ? state.other.name : 'The other participant'
    notify('call', `${who} is calling you.`, {
      kind: 'call',
      actions: [
        h('button', { type: 'button', class: 'primary', onclick: () => call.accept() }, 'Join call'),
        h('button', { type: 'button', onclick: () => call.decline() }, 'Decline')
      ]
    })
    ring()
  }
  function ring () {
    try {
      const Ctx = window.AudioContext || window.webkitAudioContext
      if (!Ctx) return
      const ac = new Ctx()
      if (ac.state === 'suspended') ac.resume().catch(() => {})
      for (const [at, f] of [[0, 880], [0.25, 660], [1.2, 880], [1.45, 660]]) {
        const osc = ac.createOscillator()
        const gain = ac.createGain()
        osc.frequency.value = f
        gain.gain.value = 0.08
        osc.connect(gain).connect(ac.destination)
        osc.start(ac.currentTime + at)
        osc.stop(ac.currentTime + at + 0.2)
      }
      setTimeout(() => ac.close().catch(() => {}), 2500)
    } catch {
      // no sound allowed before a user gesture: the notice and the title still announce it
    }
  }
  callBtn.addEventListener('click', () => {
    if (call.active) call.hangup()
    else call.start()
  })
  declineBtn.addEventListener('click', () => call.decline())
  muteBtn.addEventListener('click', () => call.toggleMute())
  maskBox.addEventListener('change', () => { call.setMasked(maskBox.checked) })
  previewBtn.addEventListener('click', () => {
    call.togglePreview().catch((err) => notify('call', `The preview could not start: ${err && err.message ? err.message : err}`))
  })
  function renderCall () {
    // Calls are between the interviewer and the interviewee. (Plain rooms allow signaling between
    // any members, but awareness carries no participant ids to address a peer with.)
    callEl.hidden = !(state.role === 'interviewer' || state.role === 'interviewee') || (AFTER_PHASES.has(state.phase) && !call.active)
    const s = call.state
    callEl.dataset.callState = s
    callState.textContent = call.error && (s === 'failed' || s === 'ended' || s === 'idle') ? `${CALL_LABELS[s]}: ${call.error}` : CALL_LABELS[s]
    if (s === 'idle' && call.error) callState.textContent = call.error
    if (s === 'missed') callState.textContent = `Missed call: ${call.error}`
    if (call.active && s !== 'outgoing' && partnerMuted) {
      const who = state.other && state.other.name ? state.other.name : 'The other participant'
      callState.textContent = `${CALL_LABELS[s]} · ${who} is muted`
    }
    callEl.dataset.partnerMuted = String(call.active && partnerMuted)
    if (call.active && s !== 'outgoing' && call.peerMasked) {
      const who = state.other && state.other.name ? state.other.name : 'The other participant'
      callState.textContent += ` · ${who}'s voice is masked`
    }
    callEl.dataset.peerMasked = String(call.active && Boolean(call.peerMasked))
    callEl.dataset.masked = String(call.masked)
    maskBox.checked = call.masked
    maskBox.disabled = call.maskPolicy === 'required'
    maskLabel.title = call.maskPolicy === 'required'
      ? 'This session requires a masked voice'
      : 'Shift your voice into one neutral pitch before it leaves this device'
    const est = call.maskEstimate
    const showEst = est && (call.previewing || (call.active && call.masked))
    maskInfo.textContent = showEst ? `Your voice ~${Math.round(est.f0)} Hz, sent at ~${Math.round(est.f0 * est.ratio)} Hz` : ''
    previewBtn.textContent = call.previewing ? 'Stop preview' : 'How do I sound?'
    previewBtn.setAttribute('aria-pressed', String(call.previewing))
    const canCall = state.may('call')
    if (s === 'incoming') callBtn.textContent = 'Join call'
    else if (call.active) callBtn.textContent = 'Hang up'
    else callBtn.textContent = 'Start call'
    callBtn.classList.toggle('danger', call.active)
    callBtn.classList.toggle('primary', s === 'incoming')
    callBtn.disabled = !canCall && !call.active
    declineBtn.hidden = s !== 'incoming'
    muteBtn.hidden = !call.active
    muteBtn.textContent = call.muted ? 'Unmute' : 'Mute'
    muteBtn.setAttribute('aria-pressed', String(call.muted))
    renderUnread()
  }
  call.onChange(renderCall)
  // The call in the replay (SPEC 14.4): asked before the call, our own outgoing audio recorded
  // while the server says both agreed
  const recordingControls = createRecordingControls({ state, send })
  header.after(recordingControls.root) // a bar of its own: the header stays one or two rows on a phone
  const recorder = new CallRecorder({ send, nextNonce: (p) => state.nextNonce(p) })
  const syncRecorder = () => recorder.sync(state.recording.on, call.outgoing)
  call.onChange(syncRecorder)
  state.on('recording', syncRecorder)
  state.on('recordingRefused', () => recorder.refusedChunk())
  // Our mute state travels in awareness (stock Yjs, relayed as it is): `call: {muted}` while in
  // a call, so the other side can show it.
  let sharedCall = ''
  function shareCallState () {
    const value = call.active ? { muted: call.muted } : null
    const key = JSON.stringify(value)
    if (key === sharedCall) return
    sharedCall = key
    conn.awareness.setLocalStateField('call', value)
  }
  call.onChange(shareCallState)
  /** The other participant's awareness `call` field (matched by the pseudonym the server stamps). */
  function partnerCall () {
    const other = state.other
    if (!other) return null
    for (const [clientId, st] of conn.awareness.getStates()) {
      if (clientId !== conn.doc.clientID && st && st.user && st.user.name === other.name && st.call) return st.call
    }
    return null
  }
  let partnerMuted = false
  conn.awareness.on('change', () => {
    const muted = Boolean(partnerCall() && partnerCall().muted)
    if (muted !== partnerMuted) {
      partnerMuted = muted
      renderCall()
    }
  })

  // ---------------------------------------------------------------- header rendering
  function chip (el, person, isYou) {
    if (!person || !person.name) {
      const role = state.role === 'interviewer' ? 'interviewee' : 'interviewer'
      replaceChildren(el, isYou ? h('span', { class: 'person-label' }, 'You') : h('span', { class: 'muted' }, `${roleLabel(role)}: not here yet`))
      el.dataset.status = 'waiting'
      return
    }
    // While our own connection is down we do not know whether they are still there.
    const ownDown = !isYou && conn.status !== 'connected'
    const status = ownDown ? 'unknown' : (person.status || 'connected')
    el.dataset.status = status
    // After a mutual unmask the other side is shown by their real name (the pseudonym beside it),
    // and each header says what was shared.
    const real = unmaskedIdentity()
    const shared = real ? ['name', real.email ? 'email' : '', real.profile ? 'profile' : ''].filter(Boolean).join(', ') : ''
    replaceChildren(el,
      dot(person.color),
      isYou ? h('span', { class: 'person-label' }, 'You') : null,
      !isYou && real ? h('strong', { class: 'person-name real-name' }, String(real.name)) : null,
      !isYou && real ? h('span', { class: 'person-pseudonym muted' }, ` (${person.name})`) : h('strong', { class: 'person-name' }, person.name),
      h('span', { class: 'person-role' }, ` · ${roleLabel(person.role)}`),
      real ? h('span', { class: 'person-shared' }, isYou ? ' · your identity was shared' : ` · shared ${shared}`) : null,
      isYou ? null : h('span', { class: `person-status status-${status}` }, ` · ${ownDown ? 'status unknown (you are not connected)' : statusLabel(status)}`))
  }

  function unmaskedIdentity () {
    const r = state.unmask.result
    return r && r.unmasked && r.identity && typeof r.identity.name === 'string' ? r.identity : null
  }

  function renderPeople () {
    chip(youChip, state.you.name ? state.you : null, true)
    if (!isInterview()) {
      // A plain pairing room (guest tokens): no session, so list who is here from awareness.
      const names = []
      for (const [clientId, s] of conn.awareness.getStates()) {
        if (clientId !== conn.doc.clientID && s && s.user && typeof s.user.name === 'string') names.push(s.user)
      }
      otherChip.dataset.status = names.length ? 'connected' : 'absent'
      replaceChildren(otherChip, names.length
        ? names.slice(0, 4).map((u) => [dot(u.color), h('strong', { class: 'person-name' }, u.name), ' '])
        : h('span', { class: 'muted' }, 'Nobody else here yet'))
      return
    }
    chip(otherChip, state.other, false)
  }

  function renderTimer () {
    const s = state.session
    if (!s || typeof s.ends_at !== 'number') {
      timerEl.textContent = ''
      return
    }
    const left = s.ends_at - Date.now()
    timerEl.textContent = `${formatRemaining(left)} ${timerLabel(s.phase)}`
    timerEl.classList.toggle('urgent', s.phase === 'live' && left < 5 * 60 * 1000)
    if (s.phase === 'live') {
      // Warn once per threshold, and only when crossing it (not for a room joined with less left).
      for (const w of WARN_AT) {
        if (left <= w.ms && left > 0 && !warned.has(w.ms)) {
          warned.add(w.ms)
          if (left > w.ms - 30000) notify('timer', w.text, { kind: 'warn', timeout: 20000 })
        }
      }
    }
  }
  const warned = new Set()
  const timerTick = setInterval(renderTimer, 1000)

  function isInterview () {
    return state.role === 'interviewer' || state.role === 'interviewee' || state.session !== null
  }

  function renderPhase () {
    const phase = state.phase
    if (phase) phaseEl.textContent = phaseLabel(phase)
    else if (!conn.everConnected) phaseEl.textContent = 'Connecting'
    else phaseEl.textContent = isInterview() ? '' : 'Pairing'
    phaseShort.textContent = PHASE_SHORT[phase] || phaseEl.textContent
  }

  let lastPhase = ''
  function renderSession () {
    const phase = state.phase
    root.dataset.phase = phase
    renderPhase()
    renderPeople()
    renderTimer()
    renderUnread()
    const after = AFTER_PHASES.has(phase)
    tabButtons.feedback.hidden = !after
    tabButtons.replay.hidden = !state.may('replay')
    if (tabButtons.replay.hidden && currentTab === 'replay') selectTab('feedback')
    keepBox.hidden = !after || (phase === 'sealed' && state.session && state.session.close_reason === 'ended_in_lobby' && !codeText())
    if (after && !AFTER_PHASES.has(lastPhase)) {
      if (lastPhase === 'live') endedMoment()
      else selectTab('feedback') // opened after the end: straight to feedback
    }
    if (!after && currentTab === 'feedback') selectTab('code')
    endBtn.hidden = !state.may('end_interview')
    const readOnly = state.readOnly || after
    editor.setReadOnly(readOnly)
    whiteboard.setReadOnly(readOnly)
    langSelect.disabled = readOnly
    if (after && call.active) call.hangup()
    if (after && call.state === 'incoming') call.decline()
    if (after) call.clear() // "Call ended …" is not news once the interview is over
    renderCall()
    renderBanner()
    lastPhase = phase
  }

  // The interview ended while you were in it: say so clearly and let you finish your thought;
  // the feedback form does not replace the editor under your fingers.
  function endedMoment () {
    const timeUp = lastEndsAt !== null && lastEndsAt - Date.now() < 3000
    const text = timeUp
      ? 'Time is up: the interview has ended. The code and whiteboard are now read-only.'
      : `${state.role === 'interviewer' ? 'You ended' : 'The interviewer ended'} the interview. The code and whiteboard are now read-only.`
    notify('timer', '')
    notify('ended', text, {
      kind: 'ended',
      actions: [h('button', { type: 'button', class: 'primary', onclick: () => { notify('ended', ''); selectTab('feedback', true) } }, 'Go to feedback')]
    })
    renderBanner() // the notice says it already
    if (state.role === 'interviewer' && !timeUp) selectTab('feedback') // they asked for it
  }
  let lastEndsAt = null
  state.on('session', () => {
    if (state.phase === 'live' && state.session) lastEndsAt = state.session.ends_at
  })

  function renderBanner () {
    let text = ''
    const phase = state.phase
    if (conn.status === 'closed') {
      const reason = conn.closeInfo && conn.closeInfo.reason
      text = `The server closed this connection${reason ? `: ${reason}` : ''}. Your join link may have expired or been replaced.`
    } else if (phase === 'lobby') {
      const other = state.role === 'interviewer' ? 'the candidate' : 'the interviewer'
      text = `Waiting for ${other} to join. You can already write code and draw.`
    } else if (AFTER_PHASES.has(phase) && currentTab !== 'feedback' && !notices.querySelector('[data-key=ended]')) {
      text = 'The interview has ended: the code and whiteboard are read-only.'
    }
    banner.hidden = !text
    banner.textContent = text
  }

  function renderConn () {
    const s = conn.status
    connEl.dataset.state = s
    const edits = conn.offlineEdits
    const kept = edits ? ` ${edits} local change${edits === 1 ? '' : 's'} kept; they sync when you reconnect.` : ' Your edits are kept.'
    const labels = {
      connecting: 'Connecting…',
      connected: 'Connected',
      reconnecting: `Reconnecting…${kept}`,
      offline: `Offline.${kept}`,
      unreachable: 'Cannot join the room yet: the link may have expired or been replaced, or the server is down. Still trying…',
      closed: 'Disconnected',
      refused: 'This link was refused'
    }
    connText.textContent = labels[s] || s
    const short = { connecting: 'Connecting…', connected: 'Online', reconnecting: 'Reconnecting…', offline: 'Offline', unreachable: 'Cannot join', closed: 'Disconnected', refused: 'Refused' }
    connShort.textContent = short[s] || s
    retryBtn.hidden = !(s === 'reconnecting' || s === 'offline' || s === 'unreachable')
    renderPhase()
    renderBanner()
  }
  conn.onChange(renderConn)
  conn.onChange(() => renderPeople())
  conn.onChange(() => {
    if (conn.status !== 'refused' || !conn.refusal) return
    const problem = linkProblem(conn.refusal.code)
    if (!problem) return
    teardown()
    mountLinkProblem(app, { code: conn.refusal.code, ...problem }, conn.refusal.message)
  })
  window.addEventListener('online', () => conn.setBrowserOnline(true))
  window.addEventListener('offline', () => conn.setBrowserOnline(false))

  // ---------------------------------------------------------------- state wiring
  state.on('you', () => {
    const you = state.you
    conn.awareness.setLocalStateField('user', { name: you.name, color: safeColor(you.color), colorLight: `${safeColor(you.color)}33` })
    root.dataset.role = you.role
    renderSession()
  })
  let otherWasHere = true
  state.on('session', () => {
    const here = Boolean(state.other && state.other.status === 'connected')
    if (here && !otherWasHere) call.clear() // "Call ended: they left" is old news now
    otherWasHere = here
  })
  state.on('session', renderSession)
  state.on('feedback', renderSession)
  state.on('unmask', renderPeople)
  conn.awareness.on('change', () => { if (!isInterview()) renderPeople() })
  state.on('toast', ({ text }) => {
    const t = h('div', { class: 'toast', role: 'alert' }, text, h('button', { type: 'button', class: 'link', 'aria-label': 'Dismiss', onclick: () => t.remove() }, '×'))
    toasts.append(t)
    setTimeout(() => t.remove(), 8000)
  })

  root.dataset.role = state.role
  selectTab('code')
  applySidebar()
  renderSession()
  renderConn()

  // In another site's page (embed.js): events to the parent, its theme and leave commands.
  const embed = connectEmbed({
    state,
    conn,
    actions: {
      setTheme: (theme) => { applyTheme(theme); applyDark(theme) },
      leave: () => {
        teardown()
        replaceChildren(app, h('main', { class: 'start left-room' }, h('h1', {}, 'You left the interview room.')))
      }
    }
  })
  // A handle for debugging in the console and for the end-to-end tests.
  window.collabdRoom = { state, conn, doc: conn.doc, call, editor, whiteboard, runs, question, notes, replay, embed }
  // A second tab on the same link: tell both (edits would still sync, but two tabs of one
  // person confuse presence, the call and the chat).
  let tabs2 = null
  if (typeof BroadcastChannel === 'function') {
    tabs2 = new BroadcastChannel(`collabd-tab:${payload.room}:${payload.pid || payload.role}`)
    const elsewhere = () => notify('tab', 'This interview is also open in another tab or window of this browser. Use one of them and close the other.', { kind: 'warn' })
    tabs2.onmessage = (e) => {
      if (e.data === 'open') tabs2.postMessage('here')
      if (e.data === 'open' || e.data === 'here') elsewhere()
      if (e.data === 'closed') notify('tab', '')
    }
    tabs2.postMessage('open')
  }
  let tornDown = false
  function teardown () {
    if (tornDown) return
    tornDown = true
    clearInterval(timerTick)
    if (call.active) call.hangup()
    recorder.stop()
    chat.destroy()
    feedbackView.destroy()
    notes.flush()
    notes.destroy()
    runs.destroy()
    replay.destroy()
    conn.destroy()
    if (tabs2) {
      tabs2.postMessage('closed')
      tabs2.close()
    }
  }
  window.addEventListener('pagehide', teardown)
  applyDark(currentTheme())
  return { state, conn }
}
