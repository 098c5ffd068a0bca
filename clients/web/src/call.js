/**
 * The voice call: one RTCPeerConnection to the other participant, negotiated through the
 * server's signaling relay (collabd `signal` messages; the server stamps `from` and may strip
 * candidates that reveal addresses). ICE servers, including short-lived TURN credentials, come
 * from the server's `ice.servers`; with relay_only the browser gathers relay candidates only.
 *
 * States: idle -> outgoing (we offered) | incoming (they offered) -> connecting -> connected
 *         (-> reconnecting -> connected) -> ended;  failed on errors; missed when an incoming
 *         call is hung up (or given up) before it was answered.
 * Glare (both offer at once): the interviewee is "polite" and yields to the interviewer's offer.
 * If the connection fails, the offerer restarts ICE; the answerer asks it to with `restart`.
 *
 * Nothing waits forever: an unanswered call gives up after `answerTimeoutMs` (the other side may
 * use a client without audio, e.g. the terminal), and a call that never connects gives up after
 * `connectTimeoutMs` with the likely reason. A relay-only server that hands out no TURN server
 * cannot carry a call at all: that is said at once instead of waiting.
 *
 * Voice masking (voice-mask.js): when `masked`, only the mask's output is sent, never the raw
 * microphone. `offer`, `answer` and `voice` signals say whether the sender's voice is masked;
 * `peerMasked` is what the other side last said (null before it said anything).
 */
import { initialMasked, maskStream, rememberMasked } from './voice-mask.js'

export const ANSWER_TIMEOUT_MS = 30000
export const CONNECT_TIMEOUT_MS = 20000

/** The reason a call cannot work before trying, or '' (relay-only needs a TURN server). */
export function callBlocker (ice) {
  if (!ice || !ice.relay_only) return ''
  const servers = Array.isArray(ice.servers) ? ice.servers : []
  const hasTurn = servers.some((s) => [].concat(s && s.urls ? s.urls : []).some((u) => /^turns?:/i.test(String(u))))
  return hasTurn ? '' : 'This server allows relayed calls only, and no relay (TURN) server is configured. Ask the organiser to set one up; use the chat meanwhile.'
}

export const CALL_LABELS = {
  idle: 'No call',
  outgoing: 'Calling…',
  incoming: 'Incoming call',
  connecting: 'Call connecting…',
  connected: 'Call connected',
  reconnecting: 'Call reconnecting…',
  ended: 'Call ended',
  missed: 'Missed call',
  failed: 'Call failed'
}

export class CallController {
  /**
   * @param {object} o
   * @param {(msg: object) => boolean} o.send    send a collabd message
   * @param {() => string} o.peerId              the other participant's id ('' if unknown)
   * @param {() => boolean} o.polite             true for the side that yields on glare
   * @param {() => {servers: any[], relay_only: boolean}} o.ice
   * @param {HTMLAudioElement} o.audio           plays the remote stream
   * @param {Function} [o.mask]                   masks a raw stream (voice-mask.js maskStream)
   */
  constructor ({ send, peerId, polite, ice, audio, mediaDevices = globalThis.navigator?.mediaDevices, RTCPeerConnectionImpl = globalThis.RTCPeerConnection, answerTimeoutMs = ANSWER_TIMEOUT_MS, connectTimeoutMs = CONNECT_TIMEOUT_MS, mask = maskStream, storage = globalThis.localStorage }) {
    this._answerTimeoutMs = answerTimeoutMs
    this._connectTimeoutMs = connectTimeoutMs
    this._timer = null
    this._send = send
    this._peerId = peerId
    this._polite = polite
    this._ice = ice
    this._audio = audio
    this._media = mediaDevices
    this._PC = RTCPeerConnectionImpl
    this.state = 'idle'
    this.muted = false
    this._mask = mask
    this._storage = storage
    this._maskHandle = null
    this._policySeen = ''
    this.masked = false
    this.peerMasked = null
    this.maskEstimate = null
    this._preview = null
    /** told our own mute state, to share it (room.js puts it in awareness) */
    this.onMute = () => {}
    this.error = ''
    this.pc = null
    this.stream = null
    this.isOfferer = false
    this._pendingOffer = null
    this._pendingIce = []
    this._listeners = new Set()
  }

  onChange (fn) {
    this._listeners.add(fn)
    return () => this._listeners.delete(fn)
  }

  _set (state, error = '') {
    if (state !== this.state) this._arm(state)
    this.state = state
    this.error = error
    for (const fn of this._listeners) fn(state)
  }

  // One timer for the state that must not last forever.
  _arm (state) {
    clearTimeout(this._timer)
    this._timer = null
    if (state === 'outgoing') {
      this._timer = setTimeout(() => this._giveUp('No answer. The other participant did not pick up; their client may not take calls (the terminal client has no audio).', 'no_answer'), this._answerTimeoutMs)
    } else if (state === 'connecting' || state === 'reconnecting') {
      this._timer = setTimeout(() => {
        const relayOnly = Boolean(this._ice() && this._ice().relay_only)
        this._giveUp(relayOnly
          ? 'The call could not connect through the relay server. Try again, or use the chat.'
          : 'The call could not connect: the network between you may block it. Try again, or use the chat.')
      }, this._connectTimeoutMs)
    }
  }

  _giveUp (reason, why = '') {
    const had = this.pc !== null || this.state === 'outgoing'
    this._close()
    if (had) this._signal('hangup', why ? { reason: why } : {})
    this._set('failed', reason)
  }

  /** Forget a finished call's message (e.g. when the other participant comes back). */
  clear () {
    if (['ended', 'failed', 'missed'].includes(this.state) || (this.state === 'idle' && this.error)) this._set('idle')
  }

  get active () {
    return ['outgoing', 'connecting', 'connected', 'reconnecting'].includes(this.state)
  }

  _signal (kind, data) {
    const msg = { t: 'signal', kind, data, to: this._peerId() }
    if (kind === 'offer' || kind === 'answer' || kind === 'voice') msg.masked = this.masked
    return this._send(msg)
  }

  /** The session's masking policy: optional | default | required. */
  get maskPolicy () {
    const ice = this._ice()
    return (ice && ice.voice_mask) || 'optional'
  }

  /** Take the session's policy into account (call when ice.servers arrives). */
  syncMaskPolicy () {
    const policy = this.maskPolicy
    if (policy === this._policySeen) return
    this._policySeen = policy
    if (!this.pc) this.masked = initialMasked(policy, this._storage)
    else if (policy === 'required' && !this.masked) this.setMasked(true)
    this._set(this.state, this.error)
  }

  /** Turn masking of our own voice on or off (also during a call; never off when required). */
  async setMasked (on) {
    on = Boolean(on) || this.maskPolicy === 'required'
    if (on === this.masked) return
    this.masked = on
    rememberMasked(on, this._storage)
    if (this.stream) {
      try {
        await this._routeMic()
        const track = this._sendStream().getAudioTracks()[0]
        for (const s of this.pc ? this.pc.getSenders() : []) {
          if (s.track && s.track.kind === 'audio') await s.replaceTrack(track)
        }
      } catch (err) {
        this._fail(err)
        return
      }
      if (this.pc) this._signal('voice', {})
    }
    this._set(this.state, this.error)
  }

  // the mask in front of the microphone when masking is on, none when it is off
  async _routeMic () {
    if (this.masked && !this._maskHandle) {
      this._maskHandle = await this._mask(this.stream, { onEstimate: (e) => this._estimated(e) })
    } else if (!this.masked && this._maskHandle) {
      this._maskHandle.close()
      this._maskHandle = null
    }
  }

  _sendStream () {
    return this._maskHandle ? this._maskHandle.stream : this.stream
  }

  /** What we send to the other side while a call is up (the masked stream when masking is
   *  on), or null: the one stream the call recorder may record. */
  get outgoing () {
    return this.pc && this.stream && (this.state === 'connected' || this.state === 'reconnecting') ? this._sendStream() : null
  }

  /** "How do I sound": plays our own masked (or plain) voice back until stopped. */
  async togglePreview () {
    if (this._preview) {
      this._preview.close()
      this._preview = null
    } else {
      if (!this._media || !this._media.getUserMedia) throw new Error('This browser cannot capture audio.')
      const raw = await this._media.getUserMedia({ audio: true, video: false })
      const stop = () => { for (const t of raw.getTracks()) t.stop() }
      try {
        const handle = await this._mask(raw, { preview: true, onEstimate: (e) => this._estimated(e) })
        this._preview = { close () { handle.close(); stop() } }
      } catch (err) {
        stop()
        throw err
      }
    }
    this._set(this.state, this.error)
  }

  // what the mask learnt of our voice (shown beside the checkbox)
  _estimated (e) {
    this.maskEstimate = e
    this._set(this.state, this.error)
  }

  get previewing () {
    return this._preview !== null
  }

  _config () {
    const { servers, relay_only: relayOnly } = this._ice()
    const config = { iceServers: Array.isArray(servers) ? servers : [] }
    if (relayOnly) config.iceTransportPolicy = 'relay'
    return config
  }

  async _openMic () {
    if (this.stream) {
      await this._routeMic() // a yielded offer kept the microphone but not the mask
      return this.stream
    }
    if (!this._media || !this._media.getUserMedia) throw new Error('This browser cannot capture audio.')
    this.stream = await this._media.getUserMedia({ audio: true, video: false })
    this._applyMute()
    try {
      await this._routeMic()
    } catch (err) {
      for (const t of this.stream.getTracks()) t.stop()
      this.stream = null
      throw err
    }
    return this.stream
  }

  _newPeer () {
    const pc = new this._PC(this._config())
    pc.onicecandidate = (e) => {
      if (this.pc !== pc || !e.candidate || !e.candidate.candidate) return
      const c = e.candidate
      this._signal('ice', { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex })
    }
    pc.ontrack = (e) => {
      if (this.pc !== pc) return
      const [stream] = e.streams
      this._audio.srcObject = stream || new MediaStream([e.track])
      const played = this._audio.play()
      if (played && played.catch) played.catch(() => {}) // autoplay policy: the user clicked already
    }
    pc.onconnectionstatechange = () => {
      if (this.pc !== pc) return
      switch (pc.connectionState) {
        case 'connected':
          this._set('connected')
          break
        case 'disconnected':
          this._set('reconnecting')
          break
        case 'failed':
          this._restart()
          break
      }
    }
    const out = this._sendStream()
    for (const track of out.getTracks()) pc.addTrack(track, out)
    this.pc = pc
    return pc
  }

  async _restart () {
    if (!this.pc) return
    this._set('reconnecting')
    if (this.isOfferer) {
      try {
        const offer = await this.pc.createOffer({ iceRestart: true })
        await this.pc.setLocalDescription(offer)
        this._signal('offer', { sdp: offer.sdp, type: offer.type })
      } catch (err) {
        this._fail(err)
      }
    } else {
      this._signal('restart', {})
    }
  }

  /** Start a call, or accept the incoming one. */
  async start () {
    if (this.state === 'incoming') return this.accept()
    if (this.active) return
    if (!this._peerId()) {
      this._set('idle', 'The other participant has not joined yet.')
      return
    }
    const blocked = callBlocker(this._ice())
    if (blocked) {
      this._set('failed', blocked)
      return
    }
    this._set('outgoing')
    try {
      await this._openMic()
      if (this.state !== 'outgoing') return // cancelled or glare-resolved meanwhile
      const pc = this._newPeer()
      this.isOfferer = true
      const offer = await pc.createOffer()
      if (this.pc !== pc) return
      await pc.setLocalDescription(offer)
      this._signal('offer', { sdp: offer.sdp, type: offer.type })
    } catch (err) {
      this._fail(err)
    }
  }

  async accept () {
    const offer = this._pendingOffer
    if (!offer) return
    this._pendingOffer = null
    const blocked = callBlocker(this._ice())
    if (blocked) {
      this._signal('hangup', {})
      this._set('failed', blocked)
      return
    }
    this._set('connecting')
    try {
      await this._openMic()
      const pc = this._newPeer()
      this.isOfferer = false
      await pc.setRemoteDescription(offer)
      await this._flushIce()
      const answer = await pc.createAnswer()
      await pc.setLocalDescription(answer)
      this._signal('answer', { sdp: answer.sdp, type: answer.type })
    } catch (err) {
      this._fail(err)
    }
  }

  decline () {
    if (this.state !== 'incoming') return
    this._pendingOffer = null
    this._pendingIce = []
    this._signal('hangup', {})
    this._set('idle')
  }

  hangup () {
    if (this.state === 'incoming') return this.decline()
    const had = this.pc !== null || this.state === 'outgoing'
    this._close()
    if (had) this._signal('hangup', {})
    this._set('ended')
  }

  toggleMute () {
    this.muted = !this.muted
    this.onMute(this.muted)
    this._applyMute()
    this._set(this.state, this.error)
  }

  _applyMute () {
    if (!this.stream) return
    for (const t of this.stream.getAudioTracks()) t.enabled = !this.muted
  }

  _close () {
    if (this.pc) {
      this.pc.onicecandidate = null
      this.pc.ontrack = null
      this.pc.onconnectionstatechange = null
      this.pc.close()
      this.pc = null
    }
    if (this._maskHandle) {
      this._maskHandle.close()
      this._maskHandle = null
    }
    if (this.stream) {
      for (const t of this.stream.getTracks()) t.stop()
      this.stream = null
    }
    this.peerMasked = null
    this._audio.srcObject = null
    this._pendingIce = []
    this._pendingOffer = null
    this.isOfferer = false
  }

  _fail (err) {
    this._close()
    const message = err && err.name === 'NotAllowedError'
      ? 'Microphone access was refused.'
      : `The call could not be set up${err && err.message ? `: ${err.message}` : '.'}`
    this._set('failed', message)
  }

  async _flushIce () {
    const queued = this._pendingIce
    this._pendingIce = []
    for (const c of queued) await this._addIce(c)
  }

  async _addIce (data) {
    try {
      await this.pc.addIceCandidate(data)
    } catch (err) {
      console.warn('collabd: ignoring an ICE candidate the browser refused:', err && err.message)
    }
  }

  /** A `signal` message relayed by the server. */
  async handleSignal (msg) {
    const data = msg.data || {}
    if (msg.kind === 'voice') {
      if (this.pc) this.peerMasked = Boolean(msg.masked)
      this._set(this.state, this.error)
      return
    }
    const peerMasked = Boolean(msg.masked)
    switch (msg.kind) {
      case 'offer': {
        const desc = { type: 'offer', sdp: String(data.sdp || '') }
        if (this.pc && (this.state === 'connected' || this.state === 'reconnecting' || this.state === 'connecting') && !this.isOfferer) {
          // renegotiation or ICE restart from the offerer
          try {
            this.peerMasked = peerMasked
            await this.pc.setRemoteDescription(desc)
            const answer = await this.pc.createAnswer()
            await this.pc.setLocalDescription(answer)
            this._signal('answer', { sdp: answer.sdp, type: answer.type })
          } catch (err) {
            this._fail(err)
          }
          return
        }
        if (this.state === 'outgoing' || (this.pc && this.isOfferer)) {
          if (!this._polite()) return // impolite side keeps its own offer
          // polite side yields: drop our offer and take theirs, accepting at once (we wanted a call)
          const keepStream = this.stream
          this.stream = null
          this._close()
          this.stream = keepStream
          this._pendingOffer = desc
          this.peerMasked = peerMasked
          this._set('incoming')
          return this.accept()
        }
        this._close()
        this._pendingOffer = desc
        this._pendingIce = []
        this.peerMasked = peerMasked
        this._set('incoming')
        return
      }
      case 'answer':
        if (!this.pc || !this.isOfferer) return
        try {
          this.peerMasked = peerMasked
          await this.pc.setRemoteDescription({ type: 'answer', sdp: String(data.sdp || '') })
          if (this.state === 'outgoing') this._set('connecting')
          await this._flushIce()
        } catch (err) {
          this._fail(err)
        }
        return
      case 'ice': {
        const cand = { candidate: String(data.candidate || ''), sdpMid: data.sdpMid ?? null, sdpMLineIndex: data.sdpMLineIndex ?? null }
        if (this.pc && this.pc.remoteDescription) await this._addIce(cand)
        else this._pendingIce.push(cand)
        return
      }
      case 'hangup': {
        if (['idle', 'ended', 'failed', 'missed'].includes(this.state)) return
        const unanswered = this.state === 'outgoing'
        const unsupported = data.reason === 'unsupported'
        this._close()
        if (unsupported) this._set('failed', 'The other participant\'s client cannot take voice calls. Use the chat instead.')
        else if (unanswered) this._set('ended', 'The other participant declined the call.')
        else if (this.state === 'incoming') {
          this._set('missed', data.reason === 'no_answer'
            ? 'The call was not answered.'
            : 'The other participant hung up before you answered.')
        }
        else this._set('ended', 'The other participant left the call.')
        return
      }
      case 'restart':
        if (this.pc && this.isOfferer) return this._restart()
    }
  }
}
