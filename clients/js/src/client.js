/**
 * One participant's connection to a collabd room (protocol v1, protocol/SPEC.md).
 *
 *   const client = await CollabClient.connect(joinLink, { WebSocket })   // Node: ws's WebSocket
 *   await client.waitSynced()
 *   client.code.insert(0, 'print(1)\n')                                  // any Yjs binding works
 *   const echo = await client.postChat('hello')
 *   client.on('phase', (phase) => ...)
 *   client.close()
 *
 * One WebSocket speaks y-protocols sync and awareness (types 0-3) and collabd's own messages
 * (type 100, msgpack). Each message goes in its own frame (SPEC 4). After every (re)connect the
 * client sends SyncStep1, its awareness state and `hello` with the highest chat and run ids it
 * has seen, so the server replays only what it missed. Edits made while disconnected stay in the
 * doc and reach the server through the SyncStep1/2 exchange of the next connection.
 *
 * Reconnects with exponential back-off (with jitter); stops for good on a terminal close code
 * (SPEC 16.2: every code whose reconnect flag is false, and all of 4400-4499). A connection
 * refused before it was ever welcomed is not retried (`connect()` rejects) unless
 * `retryBeforeWelcome` is set (a page that waits for its server): then only a refusal of the
 * link itself stops it (browsers hide an upgrade's answer, so the client asks the same URL with
 * a plain GET; SPEC 3.3).
 *
 * Liveness: a network that drops silently leaves a socket "open" for a long time. When nothing
 * has arrived for `probeAfterMs` the client sends query-awareness (type 3, answered at once);
 * when still nothing has arrived after `staleAfterMs` it drops the socket and reconnects.
 */
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import {
  PROTOCOL_VERSION, CLOSE_CODES, ProtocolError, decodeFrame, encodeMessage
} from './codec.js'
import { parseJoin } from './links.js'

/** A request failed: `code` is the server's error code (SPEC 16.1) or the client's own:
 *  `not_connected`, `disconnected`, `timeout`, `closed`, `rejected`, `unreachable`. */
export class SdkError extends Error {
  constructor (code, message = '') {
    super(message ? `${code}: ${message}` : code)
    this.name = 'SdkError'
    this.code = code
    this.detail = message
  }
}

/** True when a client must not reconnect after this close code (SPEC 16.2). */
export function isTerminalClose (code) {
  if (code >= 4400 && code <= 4499) return true
  const info = CLOSE_CODES[String(code)]
  return Boolean(info && !info.reconnect && code !== 1000)
}

// HTTP statuses of a refused join that say the link itself is bad: retrying cannot help.
const LINK_REFUSED = new Set([401, 403, 404])

function nonce () {
  const bytes = new Uint8Array(8)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

function insertById (list, ids, item) {
  if (ids.has(item.id)) return false
  ids.add(item.id)
  let i = list.length
  while (i > 0 && list[i - 1].id > item.id) i--
  list.splice(i, 0, item)
  return true
}

export class CollabClient {
  /**
   * @param {object} opts  see index.d.ts (ClientOptions)
   */
  constructor ({
    server, room, token, WebSocket = globalThis.WebSocket, fetch = globalThis.fetch,
    clientName = 'js', reconnect = true, backoff = [100, 5000], doc = new Y.Doc(),
    retryBeforeWelcome = false, probeAfterMs = 2500, staleAfterMs = 6000, now = () => Date.now()
  }) {
    if (!WebSocket) throw new TypeError('no WebSocket: pass { WebSocket } (in Node: the ws package)')
    this.server = server.replace(/\/+$/, '')
    this.room = room
    this.token = token
    this.url = `${this.server.replace(/^http/, 'ws')}/rooms/${encodeURIComponent(room)}?token=${encodeURIComponent(token)}`
    this._WebSocket = WebSocket
    this._fetch = fetch ? (...args) => fetch(...args) : null
    this.clientName = clientName
    this.reconnect = reconnect
    this.backoff = backoff
    this.retryBeforeWelcome = retryBeforeWelcome
    this.probeAfterMs = probeAfterMs
    this.staleAfterMs = staleAfterMs
    this._now = now
    this.doc = doc
    this.code = doc.getText('code')
    this.meta = doc.getMap('meta')
    this.board = doc.getMap('board')
    this.awareness = new awarenessProtocol.Awareness(doc)
    // what the server told us
    this.welcome = null
    this.you = null
    this.session = null
    this.ice = null
    this.feedbackStatus = null
    this.reveal = null
    this.unmaskStatus = null
    this.unmaskResult = null
    this.recording = null
    this.question = null
    this.notes = null
    this.errors = []
    this.typing = {}
    this.chat = []
    this.runs = []
    this._chatIds = new Set()
    this._runIds = new Set()
    // the connection
    this.status = 'idle'
    this.connected = false
    this.synced = false
    this.connections = 0
    this.closeInfo = null
    this.closedReason = null
    this.refusal = null // {code, message} when the server refused the link itself
    this.failures = 0 // connection attempts in a row that did not open
    this.everWelcomed = false
    this._ws = null
    this._welcomedThisTime = false
    this._closing = false
    this._attempt = 0
    this._retry = null
    this._live = null
    this._lastReceived = 0
    this._queried = 0
    this._paused = false
    this._first = null
    this._pending = new Map() // nonce -> {resolve, reject, timer}
    this._listeners = new Map()
    this._waiters = new Set()

    this._onDocUpdate = (update, origin) => {
      if (origin !== this) this._send({ type: 'sync_update', update })
      this._emit('doc', update, origin === this)
    }
    this._onAwareness = ({ added, updated, removed }, origin) => {
      if (origin === 'local') {
        const changed = added.concat(updated, removed)
        this._send({ type: 'awareness', update: awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed) })
      }
      this._changed('awareness')
    }
    doc.on('update', this._onDocUpdate)
    this.awareness.on('update', this._onAwareness)
  }

  /** Join from a join link (`http://host/join#token=...`) or a bare token with `opts.server`;
   *  resolves once the server has welcomed us (`client.you` is set). */
  static async connect (linkOrToken, opts = {}) {
    const info = parseJoin(linkOrToken, opts.server)
    const client = new CollabClient({ ...opts, server: info.server, room: info.room, token: info.token })
    await client.start(opts.timeoutMs)
    return client
  }

  /** Open the connection; resolves on the first welcome, rejects (and closes) on a refusal. */
  start (timeoutMs = 10000) {
    if (this._first) return this._first.promise
    const first = {}
    first.promise = new Promise((resolve, reject) => { first.resolve = resolve; first.reject = reject })
    this._first = first
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => this._failFirst(new SdkError('timeout', 'no welcome from the server')), timeoutMs)
      : null
    // a refusal leaves the client stopped (status and refusal stay readable); a timeout closes it
    first.promise.then(() => clearTimeout(timer), () => { clearTimeout(timer); if (this.status !== 'stopped') this.close() })
    this._live = setInterval(() => this._checkLive(), 500)
    if (this._live.unref) this._live.unref()
    this._open()
    return first.promise
  }

  // ---------------------------------------------------------------- events

  /** Listen to an event (see index.d.ts, ClientEvents); returns a function that stops it. */
  on (event, fn) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set())
    this._listeners.get(event).add(fn)
    return () => this._listeners.get(event).delete(fn)
  }

  _emit (event, ...args) {
    const fns = this._listeners.get(event)
    if (!fns) return
    for (const fn of [...fns]) {
      try {
        fn(...args)
      } catch (err) {
        // a listener's bug must not break the connection
        queueMicrotask(() => { throw err })
      }
    }
  }

  _changed (what) {
    for (const w of [...this._waiters]) w()
    this._emit('change', what)
  }

  /** Resolve once `predicate(client)` holds (checked after every change); rejects on timeout
   *  or when the client stopped for good without it holding. */
  waitFor (predicate, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      let timer = null
      const check = () => {
        let ok = false
        try {
          ok = predicate(this)
        } catch (err) {
          done(); reject(err); return
        }
        if (ok) { done(); resolve() } else if (this.status === 'stopped' || this.status === 'closed') {
          done(); reject(new SdkError('closed', this.closedReason || this.status))
        }
      }
      const done = () => { clearTimeout(timer); this._waiters.delete(check) }
      timer = setTimeout(() => { done(); reject(new SdkError('timeout', `waitFor timed out: ${String(predicate).slice(0, 160)}`)) }, timeoutMs)
      this._waiters.add(check)
      check()
    })
  }

  waitSynced (timeoutMs = 10000) {
    return this.waitFor((c) => c.synced, timeoutMs)
  }

  get phase () {
    return this.session ? this.session.phase : null
  }

  // ---------------------------------------------------------------- the socket

  _setStatus (status) {
    this.status = status
    this._emit('status', status)
    this._changed('status')
  }

  _open () {
    this._setStatus(this.connections ? 'reconnecting' : 'connecting')
    let ws
    try {
      ws = new this._WebSocket(this.url)
    } catch (err) {
      this._onSocketGone(null, 1006, String(err && err.message))
      return
    }
    ws.binaryType = 'arraybuffer'
    this._ws = ws
    let opened = false
    ws.onopen = () => {
      opened = true
      this._onOpen(ws)
    }
    ws.onmessage = (event) => {
      if (this._ws === ws) this._onFrame(event.data)
    }
    ws.onerror = () => {} // the close event that follows says what happened
    ws.onclose = (event) => {
      if (this._ws === ws) this._onSocketGone(opened ? ws : null, event.code, event.reason || '')
    }
  }

  /** Forget the current socket (closing it) without the close event's consequences. */
  _drop () {
    const ws = this._ws
    if (!ws) return
    ws.onopen = ws.onmessage = ws.onclose = null
    try {
      ws.close()
    } catch {}
    this._ws = null
    this._lost()
  }

  /** What every lost connection undoes. */
  _lost () {
    this.connected = false
    this.synced = false
    for (const [key, p] of this._pending) {
      this._pending.delete(key)
      p.reject(new SdkError('disconnected', 'the connection closed before the answer came'))
    }
    awarenessProtocol.removeAwarenessStates(
      this.awareness, [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID), this)
  }

  /** Skip the back-off wait: drop whatever socket there is (if `evenIfConnected`) and connect
   *  again now. Also ends a `pause()`. */
  reconnectNow (evenIfConnected = false) {
    if (this._closing || (this.connected && !evenIfConnected)) return
    this._paused = false
    clearTimeout(this._retry)
    this._retry = null
    this._drop()
    this._open()
  }

  /** Close the socket and stay disconnected (edits are kept) until `reconnectNow()`: e.g. while
   *  the browser says it is offline. */
  pause () {
    if (this._closing) return
    this._paused = true
    clearTimeout(this._retry)
    this._retry = null
    this._drop()
    this._setStatus('paused')
  }

  _onOpen (ws) {
    this.connected = true
    this.synced = false
    this.connections += 1
    this.failures = 0
    this._lastReceived = this._now()
    this._send({ type: 'sync_step1', state_vector: Y.encodeStateVector(this.doc) })
    if (this.awareness.getLocalState() !== null) {
      this._send({ type: 'awareness', update: awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID]) })
    }
    this.sendMessage({
      t: 'hello',
      v: PROTOCOL_VERSION,
      client: this.clientName,
      chat_after: this.chat.length ? this.chat[this.chat.length - 1].id : 0,
      run_after: this.runs.length ? this.runs[this.runs.length - 1].id : null
    })
    this._setStatus('connected')
  }

  _onSocketGone (ws, code, reason) {
    this._ws = null
    const wasConnected = this.connected
    this._lost()
    if (this._closing) return
    if (!ws) this.failures += 1
    const info = CLOSE_CODES[String(code)]
    this.closeInfo = { code, reason, name: info ? info.name : null, terminal: isTerminalClose(code) }
    if (wasConnected) this._emit('close', this.closeInfo)
    if (this.closeInfo.terminal) {
      this._stop(new SdkError('rejected', `closed with ${code} ${reason}`.trim()))
      return
    }
    if (!this.everWelcomed && !this.retryBeforeWelcome) {
      if (ws) this._stop(new SdkError('closed', `connection closed (${code})`))
      else this._refusal().then((err) => { if (!this._closing) this._stop(err) }) // never got in: ask why
      return
    }
    if (!this.reconnect) {
      this._stop(null)
      return
    }
    if (wasConnected && this._welcomedThisTime) this._attempt = 0
    this._welcomedThisTime = false
    this._setStatus('disconnected')
    // a link that never worked is asked about at once, then (as one that worked) every fifth
    // failure in a row: a server that was down may be up and refusing it now
    if (!ws && (this.failures % 5 === 0 || (!this.everWelcomed && this.failures === 1))) {
      this._refusal().then((err) => { if (err.final && !this._closing) this._stop(err) })
    }
    const [low, high] = this.backoff
    const delay = Math.min(high, low * 2 ** this._attempt) * (0.5 + Math.random() / 2)
    this._attempt += 1
    this._retry = setTimeout(() => { this._retry = null; if (!this._closing && !this._paused) this._open() }, delay)
  }

  /** Why the upgrade failed, from the server's answer to a plain GET of the room URL (SPEC 3.3):
   *  an SdkError whose `final` says the link itself was refused. */
  async _refusal () {
    let err = new SdkError('unreachable', 'the connection failed')
    err.final = false
    if (!this._fetch) return err
    try {
      const res = await this._fetch(this.url.replace(/^ws/, 'http'), { headers: { Accept: 'application/json' }, cache: 'no-store' })
      const body = await res.json().catch(() => null)
      const e = body && body.error
      err = e && typeof e.code === 'string' ? new SdkError(e.code, String(e.message || '')) : new SdkError('rejected', `HTTP ${res.status}`)
      err.final = Boolean(e) && LINK_REFUSED.has(res.status)
      if (err.final) this.refusal = { code: err.code, message: err.detail }
    } catch (e) {
      err = new SdkError('unreachable', String(e && e.message))
      err.final = false
    }
    return err
  }

  _stop (err) {
    this.closedReason = err ? err.message : 'disconnected'
    this._halt()
    this.awareness.destroy() // its timer would keep a Node process alive
    this._setStatus('stopped')
    if (err) this._failFirst(err)
  }

  _failFirst (err) {
    if (this._first && !this.everWelcomed) this._first.reject(err)
  }

  _halt () {
    this._closing = true
    clearInterval(this._live)
    clearTimeout(this._retry)
  }

  /** Probe a quiet connection; give up on a silent one (see the module doc). */
  _checkLive () {
    const ws = this._ws
    if (!this.connected || !ws || ws.readyState !== 1) return
    const now = this._now()
    const silent = now - this._lastReceived
    if (silent >= this.staleAfterMs) {
      this.reconnectNow(true)
    } else if (silent >= this.probeAfterMs && now - this._queried >= this.probeAfterMs) {
      this._queried = now
      this._send({ type: 'query_awareness' })
    }
  }

  _send (message) {
    const ws = this._ws
    if (!this.connected || !ws || ws.readyState !== 1) return false
    ws.send(encodeMessage(message))
    return true
  }

  /** Send one collabd message (`{t, ...fields}`); false when not connected (nothing is queued). */
  sendMessage (msg) {
    return this._send({ type: 'collab', payload: msg })
  }

  _onFrame (data) {
    this._lastReceived = this._now()
    this._emit('frame', data)
    if (typeof data === 'string') return
    let messages
    try {
      messages = decodeFrame(new Uint8Array(data))
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err
      this._emit('protocolError', err)
      return
    }
    for (const m of messages) this._handle(m)
    this._changed('message')
  }

  _handle (m) {
    switch (m.type) {
      case 'sync_step1':
        this._send({ type: 'sync_step2', update: Y.encodeStateAsUpdate(this.doc, m.state_vector) })
        break
      case 'sync_step2':
      case 'sync_update':
        Y.applyUpdate(this.doc, m.update, this)
        if (m.type === 'sync_step2' && !this.synced) {
          this.synced = true
          this._emit('synced')
        }
        break
      case 'awareness':
        awarenessProtocol.applyAwarenessUpdate(this.awareness, m.update, this)
        break
      case 'query_awareness':
        if (this.awareness.getLocalState() !== null) {
          this._send({ type: 'awareness', update: awarenessProtocol.encodeAwarenessUpdate(this.awareness, [this.doc.clientID]) })
        }
        break
      case 'auth_denied':
        this.closedReason = `denied: ${m.reason}`
        break
      case 'collab':
        this._collab(m.payload)
        this._emit('message', m.payload)
        break
    }
  }

  _reply (msg) {
    const p = msg.nonce ? this._pending.get(msg.nonce) : null
    if (p) {
      this._pending.delete(msg.nonce)
      p.resolve(msg)
    }
  }

  _collab (msg) {
    switch (msg.t) {
      case 'welcome':
        this.welcome = msg
        this.you = msg.you
        this._welcomedThisTime = this.everWelcomed = true
        if (this._first) this._first.resolve()
        this._emit('welcome', msg)
        break
      case 'session': {
        const before = this.session
        this.session = msg
        this._emit('session', msg)
        if (!before || before.phase !== msg.phase) this._emit('phase', msg.phase, before ? before.phase : null)
        if (!before || before.ends_at !== msg.ends_at) this._emit('timers', this.timers)
        break
      }
      case 'chat.msg':
        if (insertById(this.chat, this._chatIds, msg)) this._emit('chat', msg)
        this._reply(msg)
        break
      case 'chat.history':
        for (const item of msg.messages) {
          if (item && typeof item === 'object' && Number.isSafeInteger(item.id)) {
            const m = { t: 'chat.msg', nonce: '', ...item }
            if (insertById(this.chat, this._chatIds, m)) this._emit('chat', m)
          }
        }
        break
      case 'chat.typing':
        if (msg.from) {
          this.typing[String(msg.from.id)] = msg.on
          this._emit('typing', msg)
        }
        break
      case 'signal':
        this._emit('signal', msg)
        break
      case 'ice.servers':
        this.ice = msg
        this._emit('ice', msg)
        break
      case 'run.msg':
        if (insertById(this.runs, this._runIds, msg)) this._emit('run', msg)
        this._reply(msg)
        break
      case 'run.history':
        for (const item of msg.runs) {
          if (item && typeof item === 'object' && Number.isSafeInteger(item.id)) {
            const m = { t: 'run.msg', nonce: '', ...item }
            if (insertById(this.runs, this._runIds, m)) this._emit('run', m)
          }
        }
        break
      case 'question':
        this.question = msg
        this._emit('question', msg)
        this._reply(msg)
        break
      case 'notes':
        this.notes = msg
        this._emit('notes', msg)
        this._reply(msg)
        break
      case 'timeline':
      case 'recording.chunks':
        this._reply(msg)
        break
      case 'recording':
        this.recording = msg
        this._emit('recording', msg)
        break
      case 'feedback.status':
        this.feedbackStatus = msg
        this._emit('feedback', msg)
        break
      case 'feedback.reveal':
        this.reveal = msg
        this._emit('reveal', msg)
        break
      case 'unmask.status': {
        const before = this.unmaskStatus
        this.unmaskStatus = msg
        this._emit('unmask', msg)
        if (!before || before.deadline !== msg.deadline) this._emit('timers', this.timers)
        break
      }
      case 'unmask.result':
        this.unmaskResult = msg
        this._emit('unmaskResult', msg)
        break
      case 'ack':
        this._reply({ nonce: msg.ref, ...msg })
        break
      case 'error': {
        this.errors.push(msg)
        this._emit('error', msg)
        const p = msg.ref ? this._pending.get(msg.ref) : null
        if (p) {
          this._pending.delete(msg.ref)
          p.reject(new SdkError(msg.code, msg.message))
        }
        break
      }
    }
  }

  /** The session's deadlines (ms, server clock): the interview's end, the unmask answer's. */
  get timers () {
    return {
      endsAt: this.session ? this.session.ends_at : null,
      unmaskDeadline: this.unmaskStatus ? this.unmaskStatus.deadline : null
    }
  }

  // ---------------------------------------------------------------- requests

  _request (msg, timeoutMs) {
    return new Promise((resolve, reject) => {
      const key = msg.nonce
      const timer = setTimeout(() => {
        this._pending.delete(key)
        reject(new SdkError('timeout', `no answer to ${msg.t}`))
      }, timeoutMs)
      this._pending.set(key, {
        resolve: (v) => { clearTimeout(timer); resolve(v) },
        reject: (e) => { clearTimeout(timer); reject(e) }
      })
      if (!this.sendMessage(msg)) {
        this._pending.delete(key)
        clearTimeout(timer)
        reject(new SdkError('not_connected', 'the client is not connected'))
      }
    })
  }

  /** Post a chat message; resolves with the server's echo (id, ts, from). */
  postChat (text, timeoutMs = 10000) {
    return this._request({ t: 'chat.post', text, nonce: nonce() }, timeoutMs)
  }

  /** Say whether we are typing in the chat (not acknowledged). */
  setTyping (on) {
    if (!this.sendMessage({ t: 'chat.typing', on: Boolean(on) })) throw new SdkError('not_connected')
  }

  /** Send a voice-call signal (SPEC 8.4) to participant `to`; incoming ones are 'signal' events. */
  sendSignal (kind, data, to) {
    if (!this.sendMessage({ t: 'signal', kind, data, to })) throw new SdkError('not_connected')
  }

  /** Share the result of a run this client did itself (SPEC 8.7); resolves with the stored run. */
  reportRun (run, timeoutMs = 10000) {
    return this._request({ t: 'run.result', ...run, nonce: nonce() }, timeoutMs)
  }

  /** Set the interview question, Markdown (interviewer only). */
  setQuestion (text, timeoutMs = 10000) {
    return this._request({ t: 'question.set', text, nonce: nonce() }, timeoutMs)
  }

  /** Replace our private notes; only our own connections ever get them. */
  saveNotes (text, timeoutMs = 10000) {
    return this._request({ t: 'notes.save', text, nonce: nonce() }, timeoutMs)
  }

  /** Submit the feedback form of our role (SPEC 12.3); resolves once acknowledged. */
  async submitFeedback (form, timeoutMs = 10000) {
    await this._request({ t: 'feedback.submit', form, nonce: nonce() }, timeoutMs)
  }

  /** End the interview (interviewer only); resolves once the phase changed. */
  async endInterview (timeoutMs = 10000) {
    const seen = this.errors.length
    const codes = new Set(['not_allowed', 'wrong_phase', 'not_found'])
    const refused = () => this.errors.slice(seen).find((e) => codes.has(e.code) && !e.ref)
    if (!this.sendMessage({ t: 'session.end' })) throw new SdkError('not_connected')
    await this.waitFor((c) => !['lobby', 'live', null].includes(c.phase) || refused(), timeoutMs)
    const err = refused()
    if (err && ['lobby', 'live'].includes(this.phase)) throw new SdkError(err.code, err.message)
  }

  /** Answer the unmask question: 'yes', 'no' or 'withdraw'; resolves once the server answered. */
  async answerUnmask (answer, timeoutMs = 10000) {
    if (!['yes', 'no', 'withdraw'].includes(answer)) throw new TypeError("answer must be 'yes', 'no' or 'withdraw'")
    const status = this.unmaskStatus
    const result = this.unmaskResult
    const seen = this.errors.length
    const codes = new Set(['wrong_phase', 'not_allowed', 'bad_message', 'not_found'])
    const refused = () => this.errors.slice(seen).find((e) => codes.has(e.code) && !e.ref)
    if (!this.sendMessage({ t: 'unmask.answer', answer })) throw new SdkError('not_connected')
    await this.waitFor((c) => c.unmaskStatus !== status || c.unmaskResult !== result || refused(), timeoutMs)
    const err = refused()
    if (err && this.unmaskStatus === status && this.unmaskResult === result) throw new SdkError(err.code, err.message)
  }

  /** The replay timeline (SPEC 18), every page: {info, events}. Available once the feedback
   *  was revealed. Split base64 texts are joined. */
  async fetchTimeline (timeoutMs = 30000) {
    const events = []
    let after = 0
    for (;;) {
      const page = await this._request({ t: 'timeline.get', after, nonce: nonce() }, timeoutMs)
      for (const e of page.events) events.push(e && Array.isArray(e.u) ? { ...e, u: e.u.join('') } : e)
      if (page.next === null) return { info: page.info, events }
      after = page.next
    }
  }

  /** Agree (true) or not, or no longer (false), that the call is recorded (SPEC 14.4);
   *  resolves once the server's `recording` says so. */
  async consentRecording (yes, timeoutMs = 10000) {
    if (typeof yes !== 'boolean') throw new TypeError('yes must be true or false')
    const seen = this.errors.length
    const codes = new Set(['wrong_phase', 'not_allowed', 'bad_message', 'not_found'])
    const refused = () => this.errors.slice(seen).find((e) => codes.has(e.code) && !e.ref)
    if (!this.sendMessage({ t: 'recording.consent', yes })) throw new SdkError('not_connected')
    await this.waitFor((c) => (c.recording && c.recording.mine === yes) || refused(), timeoutMs)
    const err = refused()
    if (err && !(this.recording && this.recording.mine === yes)) throw new SdkError(err.code, err.message)
  }

  /** The recorded call (SPEC 14.4), every page: chunks {id, by, run, seq, ts, ms, data (base64)}
   *  in id order. Available once the feedback was revealed. */
  async fetchRecording (timeoutMs = 30000) {
    const chunks = []
    let after = 0
    for (;;) {
      const page = await this._request({ t: 'recording.get', after, nonce: nonce() }, timeoutMs)
      chunks.push(...page.chunks)
      if (page.next === null) return chunks
      after = page.next
    }
  }

  // ---------------------------------------------------------------- closing

  /** Say goodbye (awareness null, close 1000) and stop reconnecting. */
  close () {
    if (this.status === 'closed') return
    const ws = this._ws
    if (ws && this.connected) awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], 'local')
    this._halt()
    this._failFirst(new SdkError('closed', 'closed by the caller'))
    if (ws) {
      try {
        ws.close(1000, 'left')
      } catch {}
    }
    this._ws = null
    this.connected = false
    this.synced = false
    for (const [key, p] of this._pending) {
      this._pending.delete(key)
      p.reject(new SdkError('closed', 'closed by the caller'))
    }
    this.doc.off('update', this._onDocUpdate)
    this.awareness.off('update', this._onAwareness)
    this.awareness.destroy()
    if (this.closedReason === null) this.closedReason = 'closed'
    this._setStatus('closed')
  }
}
