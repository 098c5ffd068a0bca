// CallController against fake WebRTC objects: the negotiation logic (offer/answer, ICE queueing,
// glare, hang-up, restart, mute) without a browser. The real browser call is in the e2e tests.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CallController, callBlocker } from '../src/call.js'

class FakeTrack {
  constructor () { this.enabled = true; this.stopped = false }
  stop () { this.stopped = true }
}
class FakeStream {
  constructor () { this.tracks = [new FakeTrack()] }
  getTracks () { return this.tracks }
  getAudioTracks () { return this.tracks }
}
let pcCounter = 0
class FakePC {
  constructor (config) {
    this.config = config
    this.id = ++pcCounter
    this.localDescription = null
    this.remoteDescription = null
    this.candidates = []
    this.tracks = []
    this.closed = false
    this.connectionState = 'new'
    FakePC.all.push(this)
  }
  addTrack (t) { this.tracks.push(t) }
  getSenders () {
    return this.tracks.map((t, i) => ({ track: Object.assign(t, { kind: 'audio' }), replaceTrack: async (n) => { this.tracks[i] = n } }))
  }
  async createOffer (opts = {}) { return { type: 'offer', sdp: `offer-${this.id}${opts.iceRestart ? '-restart' : ''}` } }
  async createAnswer () { return { type: 'answer', sdp: `answer-${this.id}` } }
  async setLocalDescription (d) { this.localDescription = d }
  async setRemoteDescription (d) { this.remoteDescription = d }
  async addIceCandidate (c) {
    if (!this.remoteDescription) throw new Error('no remote description')
    this.candidates.push(c)
  }
  close () { this.closed = true }
  emitCandidate (candidate) { this.onicecandidate({ candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } }) }
  setState (s) { this.connectionState = s; this.onconnectionstatechange() }
}
FakePC.all = []

function side (role, { media, ice, answerTimeoutMs, connectTimeoutMs, mask, storage } = {}) {
  const sent = []
  const ctl = new CallController({
    answerTimeoutMs,
    connectTimeoutMs,
    send: (m) => { sent.push(m); return true },
    peerId: () => (role === 'interviewer' ? 'p-ee' : 'p-er'),
    polite: () => role === 'interviewee',
    ice: () => ice || ({ servers: [{ urls: ['turn:127.0.0.1:3478'], username: 'u', credential: 'c' }], relay_only: true }),
    audio: { srcObject: null, play: () => Promise.resolve() },
    mediaDevices: media || { getUserMedia: async () => new FakeStream() },
    RTCPeerConnectionImpl: FakePC,
    mask,
    storage
  })
  return { ctl, sent }
}

const relay = (from, to, fromId) => from.sent.splice(0).map((m) => to.ctl.handleSignal({ ...m, from: { id: fromId } }))

test('a call: offer, ring, accept, answer, ICE both ways, connected', async () => {
  const er = side('interviewer')
  const ee = side('interviewee')
  await er.ctl.start()
  assert.equal(er.ctl.state, 'outgoing')
  assert.equal(er.sent[0].kind, 'offer')
  assert.equal(er.sent[0].to, 'p-ee')
  const pcA = er.ctl.pc
  assert.equal(pcA.config.iceTransportPolicy, 'relay')
  assert.equal(pcA.config.iceServers[0].urls[0], 'turn:127.0.0.1:3478')
  pcA.emitCandidate('candidate:1 1 udp 1 127.0.0.1 5000 typ relay') // before the answer: queued there
  await Promise.all(relay(er, ee, 'p-er'))
  assert.equal(ee.ctl.state, 'incoming')
  await ee.ctl.accept()
  assert.equal(ee.ctl.state, 'connecting')
  const pcB = ee.ctl.pc
  assert.equal(pcB.remoteDescription.sdp, pcA.localDescription.sdp)
  assert.equal(pcB.candidates.length, 1, 'queued candidate applied after the offer')
  assert.equal(ee.sent[0].kind, 'answer')
  pcB.emitCandidate('candidate:2 1 udp 1 127.0.0.1 5001 typ relay')
  await Promise.all(relay(ee, er, 'p-ee'))
  assert.equal(er.ctl.state, 'connecting')
  assert.equal(pcA.remoteDescription.sdp, 'answer-' + pcB.id)
  assert.equal(pcA.candidates.length, 1)
  pcA.setState('connected')
  pcB.setState('connected')
  assert.equal(er.ctl.state, 'connected')
  assert.equal(ee.ctl.state, 'connected')
})

test('end-of-candidates (empty candidate) is not sent', async () => {
  const er = side('interviewer')
  await er.ctl.start()
  er.ctl.pc.onicecandidate({ candidate: null })
  er.ctl.pc.onicecandidate({ candidate: { candidate: '', sdpMid: '0', sdpMLineIndex: 0 } })
  assert.deepEqual(er.sent.map((m) => m.kind), ['offer'])
})

test('glare: the polite side (interviewee) yields and answers, the other keeps its offer', async () => {
  const er = side('interviewer')
  const ee = side('interviewee')
  await er.ctl.start()
  await ee.ctl.start()
  const erOffer = er.sent.splice(0)
  const eeOffer = ee.sent.splice(0)
  await er.ctl.handleSignal({ ...eeOffer[0], from: { id: 'p-ee' } })
  assert.equal(er.ctl.state, 'outgoing', 'impolite side ignores the competing offer')
  await ee.ctl.handleSignal({ ...erOffer[0], from: { id: 'p-er' } })
  assert.equal(ee.ctl.state, 'connecting')
  assert.equal(ee.sent[0].kind, 'answer')
  assert.equal(ee.ctl.isOfferer, false)
})

test('hang up closes both sides and stops the microphone', async () => {
  const er = side('interviewer')
  const ee = side('interviewee')
  await er.ctl.start()
  await Promise.all(relay(er, ee, 'p-er'))
  await ee.ctl.accept()
  await Promise.all(relay(ee, er, 'p-ee'))
  const track = er.ctl.stream.getTracks()[0]
  const pc = er.ctl.pc
  er.ctl.hangup()
  assert.equal(er.ctl.state, 'ended')
  assert.ok(pc.closed)
  assert.ok(track.stopped)
  await Promise.all(relay(er, ee, 'p-er'))
  assert.equal(ee.ctl.state, 'ended')
  assert.match(ee.ctl.error, /left the call/)
})

test('declining an incoming call tells the caller', async () => {
  const er = side('interviewer')
  const ee = side('interviewee')
  await er.ctl.start()
  await Promise.all(relay(er, ee, 'p-er'))
  ee.ctl.decline()
  assert.equal(ee.ctl.state, 'idle')
  await Promise.all(relay(ee, er, 'p-ee'))
  assert.equal(er.ctl.state, 'ended')
})

test('mute disables the microphone track and back', async () => {
  const er = side('interviewer')
  await er.ctl.start()
  const track = er.ctl.stream.getAudioTracks()[0]
  er.ctl.toggleMute()
  assert.equal(track.enabled, false)
  er.ctl.toggleMute()
  assert.equal(track.enabled, true)
})

test('a failed connection: the offerer restarts ICE, the answerer asks it to', async () => {
  const er = side('interviewer')
  const ee = side('interviewee')
  await er.ctl.start()
  await Promise.all(relay(er, ee, 'p-er'))
  await ee.ctl.accept()
  await Promise.all(relay(ee, er, 'p-ee'))
  ee.ctl.pc.setState('failed')
  assert.equal(ee.ctl.state, 'reconnecting')
  assert.equal(ee.sent.at(-1).kind, 'restart')
  await Promise.all(relay(ee, er, 'p-ee'))
  assert.equal(er.sent.at(-1).kind, 'offer')
  assert.match(er.sent.at(-1).data.sdp, /-restart$/)
  await Promise.all(relay(er, ee, 'p-er'))
  assert.equal(ee.sent.at(-1).kind, 'answer', 'the answerer answers the restart offer on the same connection')
})

test('a refused microphone ends in failed with a readable reason', async () => {
  const denied = Object.assign(new Error('denied'), { name: 'NotAllowedError' })
  const er = side('interviewer', { media: { getUserMedia: async () => { throw denied } } })
  await er.ctl.start()
  assert.equal(er.ctl.state, 'failed')
  assert.equal(er.ctl.error, 'Microphone access was refused.')
  assert.deepEqual(er.sent, [])
})

test('no call before the other participant is known', async () => {
  const { ctl, sent } = side('interviewer')
  ctl._peerId = () => ''
  await ctl.start()
  assert.equal(ctl.state, 'idle')
  assert.match(ctl.error, /not joined/)
  assert.deepEqual(sent, [])
})

// -- nothing waits forever (issue 13, item 7)

const until = async (cond, ms = 2000) => {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setImmediate(resolve))
  }
}

test('relay-only with no TURN server: the call fails at once with the reason, nothing is sent', async () => {
  const er = side('interviewer', { ice: { servers: [{ urls: ['stun:127.0.0.1:3478'] }], relay_only: true } })
  await er.ctl.start()
  assert.equal(er.ctl.state, 'failed')
  assert.match(er.ctl.error, /relayed calls only, and no relay \(TURN\) server/)
  assert.deepEqual(er.sent, [])
  assert.equal(callBlocker({ servers: [{ urls: 'turns:relay.example:5349' }], relay_only: true }), '')
  assert.equal(callBlocker({ servers: [], relay_only: false }), '')
})

test('an unanswered call gives up with a reason and hangs up', async () => {
  const er = side('interviewer', { answerTimeoutMs: 30 })
  await er.ctl.start()
  assert.equal(er.ctl.state, 'outgoing')
  await until(() => er.ctl.state === 'failed')
  assert.match(er.ctl.error, /No answer.*may not take calls/)
  assert.equal(er.sent.at(-1).kind, 'hangup')
  assert.equal(er.ctl.pc, null)
})

test('a call that never connects gives up after the connect timeout', async () => {
  const er = side('interviewer', { connectTimeoutMs: 30 })
  const ee = side('interviewee', { connectTimeoutMs: 30 })
  await er.ctl.start()
  await Promise.all(relay(er, ee, 'p-er'))
  await ee.ctl.accept()
  assert.equal(ee.ctl.state, 'connecting')
  await until(() => ee.ctl.state === 'failed')
  assert.match(ee.ctl.error, /could not connect through the relay server/)
})

test('a callee whose client cannot take calls is named as such; a finished call can be cleared', async () => {
  const er = side('interviewer')
  await er.ctl.start()
  await er.ctl.handleSignal({ t: 'signal', kind: 'hangup', data: { reason: 'unsupported' }, from: { id: 'p-ee' } })
  assert.equal(er.ctl.state, 'failed')
  assert.match(er.ctl.error, /cannot take voice calls/)
  er.ctl.clear()
  assert.equal(er.ctl.state, 'idle')
  assert.equal(er.ctl.error, '')
})

// a stand-in for the Web Audio mask: its output is a different stream, so we can see what is sent
function fakeMask (log) {
  return async (raw) => {
    const out = new FakeStream()
    out.tracks[0].masked = true
    const handle = { stream: out, close () { log.push('closed'); out.tracks[0].stop() } }
    log.push('opened')
    return handle
  }
}

test('masked voice: only the mask\'s output is sent, and both offer and answer say so', async () => {
  const log = []
  const policy = { servers: [], relay_only: false, voice_mask: 'default' }
  const er = side('interviewer', { ice: policy, mask: fakeMask(log) })
  const ee = side('interviewee', { ice: policy, mask: fakeMask(log) })
  er.ctl.syncMaskPolicy()
  ee.ctl.syncMaskPolicy()
  assert.equal(er.ctl.masked, true, 'default policy: masked to start with')
  await ee.ctl.setMasked(false) // each chooses for their own voice
  await er.ctl.start()
  assert.equal(er.sent[0].masked, true)
  assert.equal(er.ctl.pc.tracks[0].masked, true, 'the masked track, not the microphone, is sent')
  await Promise.all(relay(er, ee, 'p-er'))
  assert.equal(ee.ctl.peerMasked, true)
  await ee.ctl.accept()
  assert.equal(ee.sent[0].kind, 'answer')
  assert.equal(ee.sent[0].masked, false)
  assert.notEqual(ee.ctl.pc.tracks[0].masked, true)
  await Promise.all(relay(ee, er, 'p-ee'))
  assert.equal(er.ctl.peerMasked, false)
  // turning it on during the call swaps the sent track and tells the other side
  await ee.ctl.setMasked(true)
  assert.equal(ee.ctl.pc.tracks[0].masked, true)
  assert.deepEqual(ee.sent.map((m) => [m.kind, m.masked]), [['voice', true]])
  await Promise.all(relay(ee, er, 'p-ee'))
  assert.equal(er.ctl.peerMasked, true)
  er.ctl.hangup()
  assert.ok(log.includes('closed'), 'the mask is released with the call')
  assert.equal(er.ctl.peerMasked, null)
})

test('a required mask cannot be turned off; optional starts off', async () => {
  const req = side('interviewer', { ice: { servers: [], voice_mask: 'required' }, mask: fakeMask([]) })
  req.ctl.syncMaskPolicy()
  await req.ctl.setMasked(false)
  assert.equal(req.ctl.masked, true)
  const opt = side('interviewer', { ice: { servers: [] }, mask: fakeMask([]) })
  opt.ctl.syncMaskPolicy()
  assert.equal(opt.ctl.masked, false)
  const saved = new Map([['collabd.voiceMask', 'on']])
  const store = { getItem: (k) => saved.get(k) ?? null, setItem: (k, v) => saved.set(k, v) }
  const remembered = side('interviewer', { ice: { servers: [] }, mask: fakeMask([]), storage: store })
  remembered.ctl.syncMaskPolicy()
  assert.equal(remembered.ctl.masked, true, 'the participant\'s own earlier choice is kept')
})
