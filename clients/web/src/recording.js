/**
 * The call in the replay (SPEC 14.4): the consent question before the call, the "recording"
 * indicator while it records, and the recorder of our OWN outgoing audio (the masked stream
 * when masking is on; the raw microphone never, when it is on).
 *
 * The recorder runs only while the server says the call is recorded (`recording.on`: both
 * consented, live) and a call is up. It uploads MediaRecorder's WebM/Opus in one-second chunks
 * (`recording.chunk`, each with a nonce so a refusal comes back to it, not as a toast). A run is
 * one recorder start: its chunks, in order, are one file. A refused chunk ends the run (the
 * server would refuse the gap after it); the next one starts a new run.
 */
import { h } from './dom.js'

export const TIMESLICE_MS = 1000
export const BITS_PER_SECOND = 32000

export function toBase64 (bytes) {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000))
  return btoa(s)
}

function mimeType (Impl) {
  for (const t of ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus']) {
    if (!Impl.isTypeSupported || Impl.isTypeSupported(t)) return t
  }
  return ''
}

export class CallRecorder {
  constructor ({ send, nextNonce, MediaRecorderImpl = globalThis.MediaRecorder, now = () => performance.now(), clock = () => Date.now() }) {
    this._send = send
    this._nonce = nextNonce
    this._Impl = MediaRecorderImpl
    this._now = now
    this._clock = clock
    this._rec = null
    this._stream = null
    this.run = 0
    this.sent = 0
    this.refused = 0
  }

  get recording () {
    return this._rec !== null
  }

  /** Record `stream` while `on`; a new stream (masking switched) is a new run. */
  sync (on, stream) {
    if (on && stream && this._Impl) {
      if (this._stream !== stream) {
        this.stop()
        this._start(stream)
      }
    } else {
      this.stop()
    }
  }

  /** The server refused one of our chunks: that run is over, start another on the same stream. */
  refusedChunk () {
    this.refused += 1
    const stream = this._stream
    this.stop()
    if (stream) this._start(stream)
  }

  _start (stream) {
    const type = mimeType(this._Impl)
    const rec = new this._Impl(stream, { ...(type ? { mimeType: type } : {}), audioBitsPerSecond: BITS_PER_SECOND })
    const run = Math.max(this._clock(), this.run + 1)
    this.run = run
    let seq = 0
    let last = this._now()
    let queue = Promise.resolve()
    rec.ondataavailable = (e) => {
      const at = this._now()
      const ms = Math.max(0, Math.round(at - last))
      last = at
      if (!e.data || !e.data.size) return
      // in order: arrayBuffer() resolves asynchronously
      queue = queue.then(async () => {
        const bytes = new Uint8Array(await e.data.arrayBuffer())
        if (run !== this.run) return // a refusal ended this run meanwhile
        const msg = { t: 'recording.chunk', run, seq, ms, data: toBase64(bytes), nonce: this._nonce('rc') }
        seq += 1
        if (this._send(msg)) this.sent += 1
      }).catch(() => {})
    }
    this._rec = rec
    this._stream = stream
    rec.start(TIMESLICE_MS)
  }

  stop () {
    const rec = this._rec
    this._rec = null
    this._stream = null
    if (rec && rec.state !== 'inactive') {
      try {
        rec.stop() // its last chunk still goes out, in its run
      } catch {}
    }
  }
}

/** The consent question and the indicator, under the call controls. */
export function createRecordingControls ({ state, send }) {
  const text = h('span', { class: 'recording-text' })
  const yes = h('button', { type: 'button', class: 'recording-yes' }, 'Allow recording')
  const no = h('button', { type: 'button', class: 'recording-no' }, 'Do not record')
  const badge = h('span', { class: 'recording-badge', role: 'status', hidden: true }, '● Recording')
  const root = h('div', { class: 'recording', role: 'group', 'aria-label': 'Call recording' }, badge, text, yes, no)
  const answer = (value) => {
    if (!send({ t: 'recording.consent', yes: value })) state.toast('You are not connected, so your answer was not sent.')
  }
  yes.addEventListener('click', () => answer(true))
  no.addEventListener('click', () => answer(false))

  function render () {
    const r = state.recording
    const asking = r.allowed && state.may('consent_recording')
    root.hidden = !r.known || !r.allowed || (!asking && !r.on)
    root.dataset.on = String(r.on)
    root.dataset.mine = String(r.mine)
    root.dataset.theirs = String(r.theirs)
    badge.hidden = !r.on
    const other = state.other && state.other.name ? state.other.name : 'The other participant'
    if (r.on) text.textContent = ' This call is recorded for the replay (both agreed).'
    else if (r.mine === null && r.theirs) text.textContent = `${other} agreed to record this call for the replay. It is recorded only if you agree too.`
    else if (r.mine === null) text.textContent = 'Record this call for the replay? It is recorded only if you both agree.'
    else if (r.mine && r.theirs === null) text.textContent = `You agreed to record; waiting for ${other}.`
    else if (r.mine && r.theirs === false) text.textContent = `You agreed; ${other} did not: the call is not recorded.`
    else text.textContent = 'You chose not to record the call.'
    yes.hidden = !asking || r.mine === true
    no.hidden = !asking || r.mine === false
    no.textContent = r.mine ? 'Stop recording' : 'Do not record'
  }
  state.on('recording', render)
  state.on('session', render)
  render()
  return { root, render }
}
