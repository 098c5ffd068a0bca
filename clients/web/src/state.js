/**
 * The client's model of a room: everything the server told it through collabd messages, plus the
 * local bits (pending chat posts, unread count). Pure: no DOM, no sockets, no clock reads (the
 * current time is passed in), so it is unit-tested under node.
 *
 * Views subscribe with `on(topic, fn)`; `receive(msg, now)` applies one server message and emits
 * the topics it changed: 'you', 'session', 'chat', 'typing', 'feedback', 'unmask', 'ice',
 * 'signal', 'toast', 'runs', 'question', 'notes', 'timeline', 'recording' (consent and whether
 * the call is recorded), 'recordingChunks' (a page of the recorded call, or {error}) and
 * 'recordingRefused' (the server refused one of our chunks).
 */

export class RoomState {
  constructor ({ role = '', room = '' } = {}) {
    /** the receiver's own pseudonym {id, name, color, role}; role known early from the token */
    this.you = { id: '', name: '', color: '', role }
    this.room = room
    this.limits = {}
    this.session = null // {phase, participants, ends_at, read_only, unmask_offered, close_reason}
    this.chat = {
      messages: [], // confirmed messages, ordered by id
      pending: [], // {nonce, text, status: 'sending'|'failed', error}
      maxId: 0,
      unread: 0,
      visible: true // is the chat panel on screen? (set by the view)
    }
    this.typing = null // {from, until}
    this.feedback = { mine: 'pending', theirs: 'pending', nonce: '', submitting: false, error: null, reveal: null }
    this.unmask = { mine: 'pending', deadline: null, result: null }
    this.ice = { servers: [], relay_only: false, voice_mask: 'optional' }
    this.toasts = []
    // Shared code runs (SPEC 8.7), ordered by id; `pending`: our results not yet echoed.
    this.runs = { list: [], maxId: 0, pending: [] }
    // The question (SPEC 8.8): `known` once the server said what it is.
    this.question = { text: '', ts: null, from: null, known: false, nonce: '', saving: false, error: null }
    // Our own private notes (SPEC 8.9): what the server holds, and the save in flight.
    this.notes = { text: '', ts: null, known: false, nonce: '', saving: false, error: null }
    // The recorded call (SPEC 14.4): both answers and whether it is being recorded now.
    this.recording = { allowed: true, on: false, mine: null, theirs: null, known: false }
    this.readOnlyRefusals = 0
    this._listeners = new Map()
    this._nonceCounter = 0
  }

  // ------------------------------------------------------------------ events

  on (topic, fn) {
    if (!this._listeners.has(topic)) this._listeners.set(topic, new Set())
    this._listeners.get(topic).add(fn)
    return () => this._listeners.get(topic).delete(fn)
  }

  emit (topic, detail) {
    for (const fn of this._listeners.get(topic) || []) fn(detail)
  }

  // ------------------------------------------------------------------ derived

  get role () {
    return this.you.role
  }

  get phase () {
    return this.session ? this.session.phase : ''
  }

  get readOnly () {
    return Boolean(this.session && this.session.read_only)
  }

  /**
   * Whether this participant may take `action` now (names: SPEC 8.2): the server says so in
   * its own entry of the session message; from a server that does not, judged by the phase.
   */
  may (action) {
    const me = this.session && this.session.participants.find((p) => p && p.id === this.you.id)
    if (me && Array.isArray(me.actions)) return me.actions.includes(action)
    const judge = BY_PHASE[action]
    return judge ? judge(this) : false
  }

  /** The other participant {id, name, color, role, status} or null if unknown yet. */
  get other () {
    if (!this.session) return null
    const { id, role } = this.you
    const others = this.session.participants.filter((p) => p && (id ? p.id !== id : p.role !== role))
    return others[0] || null
  }

  isMine (from) {
    return Boolean(from && this.you.id && from.id === this.you.id)
  }

  /** A fresh nonce for a request whose answer (ack / error ref) we want to match. */
  nextNonce (prefix) {
    this._nonceCounter += 1
    return `${prefix}-${Date.now().toString(36)}-${this._nonceCounter}`
  }

  // ------------------------------------------------------------------ local actions

  /** Record a chat post about to be sent; returns the chat.post message to send. */
  postChat (text) {
    const nonce = this.nextNonce('c')
    this.chat.pending.push({ nonce, text, status: 'sending', error: null })
    this.emit('chat')
    return { t: 'chat.post', text, nonce }
  }

  /** After a disconnect, posts that got no answer may or may not have arrived. */
  failPendingChat (reason) {
    let changed = false
    for (const p of this.chat.pending) {
      if (p.status === 'sending') {
        p.status = 'failed'
        p.error = reason
        changed = true
      }
    }
    if (changed) this.emit('chat')
  }

  /** Drop a failed post (the view re-sends its text as a new post). */
  dropPending (nonce) {
    this.chat.pending = this.chat.pending.filter((p) => p.nonce !== nonce)
    this.emit('chat')
  }

  setChatVisible (visible) {
    this.chat.visible = visible
    if (visible && this.chat.unread !== 0) {
      this.chat.unread = 0
      this.emit('chat')
    }
  }

  /** Record a feedback submission; returns the feedback.submit message to send. */
  submitFeedback (form) {
    const nonce = this.nextNonce('f')
    this.feedback.nonce = nonce
    this.feedback.submitting = true
    this.feedback.error = null
    this.emit('feedback')
    return { t: 'feedback.submit', form, nonce }
  }

  /** Record our finished run; returns the run.result message to send. */
  shareRun (result) {
    const nonce = this.nextNonce('r')
    this.runs.pending.push({ nonce, result, error: null })
    this.emit('runs')
    return { t: 'run.result', ...result, exception: result.exception || null, exit: result.exit ?? null, nonce }
  }

  /** The interviewer sets the question; returns the question.set message to send. */
  setQuestion (text) {
    const nonce = this.nextNonce('q')
    this.question.nonce = nonce
    this.question.saving = true
    this.question.error = null
    this.emit('question', { local: true })
    return { t: 'question.set', text, nonce }
  }

  /** Save our notes; returns the notes.save message to send. */
  saveNotes (text) {
    const nonce = this.nextNonce('n')
    this.notes.nonce = nonce
    this.notes.saving = true
    this.notes.error = null
    this.emit('notes', { local: true })
    return { t: 'notes.save', text, nonce }
  }

  _addRun (m) {
    if (!m || typeof m.id !== 'number') return false
    const pendingIndex = m.nonce ? this.runs.pending.findIndex((p) => p.nonce === m.nonce) : -1
    if (pendingIndex >= 0) this.runs.pending.splice(pendingIndex, 1)
    const list = this.runs.list
    if (list.some((x) => x.id === m.id)) return pendingIndex >= 0
    const { t, nonce, ...run } = m
    run.from = run.from || {}
    let i = list.length
    while (i > 0 && list[i - 1].id > m.id) i--
    list.splice(i, 0, run)
    this.runs.maxId = Math.max(this.runs.maxId, m.id)
    return true
  }

  /** Typing indicators expire if the "off" never arrives (e.g. the other side dropped). */
  expireTyping (now) {
    if (this.typing && this.typing.until <= now) {
      this.typing = null
      this.emit('typing')
    }
  }

  toast (text, kind = 'error') {
    this.toasts.push({ text, kind })
    this.emit('toast', { text, kind })
  }

  // ------------------------------------------------------------------ server messages

  receive (msg, now) {
    const handler = HANDLERS[msg.t]
    if (handler) handler(this, msg, now)
  }

  _addChat (m) {
    if (!m || typeof m.id !== 'number' || typeof m.text !== 'string') return false
    const pendingIndex = m.nonce ? this.chat.pending.findIndex((p) => p.nonce === m.nonce) : -1
    if (pendingIndex >= 0) this.chat.pending.splice(pendingIndex, 1)
    const list = this.chat.messages
    if (list.some((x) => x.id === m.id)) return pendingIndex >= 0
    const entry = { id: m.id, ts: m.ts, from: m.from || {}, text: m.text }
    let i = list.length
    while (i > 0 && list[i - 1].id > m.id) i--
    list.splice(i, 0, entry)
    this.chat.maxId = Math.max(this.chat.maxId, m.id)
    if (!this.isMine(entry.from) && !this.chat.visible) this.chat.unread += 1
    return true
  }
}

// Older servers send no `actions`: the same rules by phase (SPEC 12.1's table). '' is a room
// without a session, where runs and calls are always open.
const DURING = new Set(['', 'lobby', 'live'])
const BY_PHASE = {
  chat: (s) => s.phase !== 'sealed',
  run: (s) => DURING.has(s.phase),
  call: (s) => DURING.has(s.phase),
  set_question: (s) => s.role === 'interviewer' && s.phase !== '' && DURING.has(s.phase),
  end_interview: (s) => s.role === 'interviewer' && s.phase !== '' && DURING.has(s.phase),
  replay: (s) => s.phase === 'revealed' || s.phase === 'unmasked' ||
    (s.phase === 'sealed' && Boolean(s.feedback.reveal))
}

const HANDLERS = {
  welcome (s, msg) {
    s.you = { ...s.you, ...msg.you }
    s.room = msg.room
    s.limits = msg.limits || {}
    s.emit('you')
  },
  session (s, msg) {
    const before = s.session
    s.session = {
      phase: msg.phase,
      participants: Array.isArray(msg.participants) ? msg.participants : [],
      ends_at: msg.ends_at,
      read_only: msg.read_only,
      unmask_offered: msg.unmask_offered,
      close_reason: msg.close_reason ?? null
    }
    s.emit('session', { previousPhase: before ? before.phase : '' })
  },
  'chat.history' (s, msg) {
    let changed = false
    for (const m of msg.messages) changed = s._addChat(m) || changed
    if (changed) s.emit('chat')
  },
  'chat.msg' (s, msg) {
    const changed = s._addChat(msg)
    if (s.typing && msg.from && s.typing.from && s.typing.from.id === msg.from.id) {
      s.typing = null
      s.emit('typing')
    }
    if (changed) s.emit('chat')
  },
  'chat.typing' (s, msg, now) {
    if (!msg.from || s.isMine(msg.from)) return
    s.typing = msg.on ? { from: msg.from, until: now + 6000 } : null
    s.emit('typing')
  },
  'run.msg' (s, msg) {
    if (s._addRun(msg)) s.emit('runs', { run: msg })
  },
  'run.history' (s, msg) {
    let changed = false
    for (const m of msg.runs) changed = s._addRun(m) || changed
    if (changed) s.emit('runs', { history: true })
  },
  question (s, msg) {
    const q = s.question
    const mine = Boolean(msg.nonce) && msg.nonce === q.nonce
    // changed: someone else replaced a question we had already seen (not the one sent at join)
    const changed = q.known && !mine && msg.text !== q.text && !s.isMine(msg.from)
    const previous = q.text
    q.text = msg.text
    q.ts = msg.ts ?? null
    q.from = msg.from ?? null
    q.known = true
    if (mine) {
      q.saving = false
      q.error = null
    }
    s.emit('question', { mine, changed, previous })
  },
  notes (s, msg) {
    const n = s.notes
    const mine = Boolean(msg.nonce) && msg.nonce === n.nonce
    n.text = msg.text
    n.ts = msg.ts ?? null
    n.known = true
    if (mine) {
      n.saving = false
      n.error = null
    }
    s.emit('notes', { mine, remote: !mine })
  },
  timeline (s, msg) {
    s.emit('timeline', msg)
  },
  recording (s, msg) {
    s.recording = { allowed: msg.allowed, on: msg.on, mine: msg.mine ?? null, theirs: msg.theirs ?? null, known: true }
    s.emit('recording')
  },
  'recording.chunks' (s, msg) {
    s.emit('recordingChunks', msg)
  },
  error (s, msg) {
    const ref = msg.ref
    const run = ref ? s.runs.pending.find((p) => p.nonce === ref) : null
    if (run) {
      run.error = msg.message || msg.code
      s.emit('runs')
      return
    }
    if (ref && ref === s.question.nonce && s.question.saving) {
      s.question.saving = false
      s.question.error = msg.message || msg.code
      s.emit('question', { error: true })
      return
    }
    if (ref && ref === s.notes.nonce && s.notes.saving) {
      s.notes.saving = false
      s.notes.error = msg.message || msg.code
      s.emit('notes', { error: true })
      return
    }
    if (ref && ref.startsWith('t-')) {
      s.emit('timeline', { error: msg })
      return
    }
    if (ref && ref.startsWith('rg-')) {
      s.emit('recordingChunks', { error: msg })
      return
    }
    if (ref && ref.startsWith('rc-')) { // a chunk of ours: the recorder starts a new run
      s.emit('recordingRefused', msg)
      return
    }
    const pending = ref ? s.chat.pending.find((p) => p.nonce === ref) : null
    if (pending) {
      pending.status = 'failed'
      pending.error = msg.message || msg.code
      s.emit('chat')
      return
    }
    if (ref && ref === s.feedback.nonce) {
      s.feedback.submitting = false
      s.feedback.error = msg.message || msg.code
      s.emit('feedback')
      return
    }
    // The page already says the interview has ended and the document is read-only; the
    // refusal of a document update (e.g. the editor's sync reply on page load) is not news.
    if (msg.code === 'read_only') {
      s.readOnlyRefusals += 1
      return
    }
    s.toast(msg.message || msg.code)
  },
  ack (s, msg) {
    if (msg.ref && msg.ref === s.feedback.nonce && s.feedback.submitting) {
      s.feedback.submitting = false
      s.feedback.mine = 'submitted'
      s.emit('feedback')
    }
  },
  'ice.servers' (s, msg) {
    s.ice = { servers: msg.servers, relay_only: msg.relay_only, voice_mask: msg.voice_mask || 'optional' }
    s.emit('ice')
  },
  signal (s, msg) {
    s.emit('signal', msg)
  },
  'feedback.status' (s, msg) {
    s.feedback.mine = msg.mine
    s.feedback.theirs = msg.theirs
    if (msg.mine === 'submitted') s.feedback.submitting = false
    s.emit('feedback')
  },
  'feedback.reveal' (s, msg) {
    s.feedback.reveal = { mine: msg.mine, theirs: msg.theirs, calibration: msg.calibration }
    s.feedback.mine = 'submitted'
    s.feedback.theirs = 'submitted'
    s.feedback.submitting = false
    s.emit('feedback')
  },
  'unmask.status' (s, msg) {
    s.unmask.mine = msg.mine
    s.unmask.deadline = msg.deadline
    s.emit('unmask')
  },
  'unmask.result' (s, msg) {
    s.unmask.result = { unmasked: msg.unmasked, identity: msg.unmasked ? msg.identity : null }
    s.emit('unmask')
  }
}
