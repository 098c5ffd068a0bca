import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encode as mpEncode } from '../src/msgpack.js'
import {
  KINDS, toMap, fromMap, encodeCollab, decodeFrame, encodeMessage, packPayload, unpackPayload,
  ProtocolError, MSG_COLLAB, decodeAwareness, encodeAwareness
} from '../src/codec.js'

const SAMPLE = {
  hello: { v: 1, client: 'web', chat_after: 3, run_after: 2 },
  welcome: { v: 1, room: 'r', you: { id: 'p1', name: 'Teal Heron', color: '#1abc9c', role: 'interviewer' }, limits: {} },
  error: { code: 'x', message: 'y', ref: 'c-1' },
  ack: { ref: 'f-1' },
  session: { phase: 'live', participants: [], ends_at: 1767225600000, read_only: false, unmask_offered: false, close_reason: null },
  'session.end': {},
  'chat.post': { text: 'hi 👋', nonce: 'c-1' },
  'chat.msg': { id: 1, ts: 1767225600000, from: { id: 'p1', name: 'A', color: '#000000' }, text: 'é', nonce: '' },
  'chat.history': { messages: [] },
  'chat.typing': { on: true, from: { id: 'p1', name: 'A', color: '#000000' } },
  signal: { kind: 'ice', data: { candidate: 'c', sdpMid: '0', sdpMLineIndex: 0 }, to: 'p2', from: null, masked: false },
  'ice.servers': { servers: [{ urls: ['turn:127.0.0.1:3478'] }], relay_only: true, voice_mask: 'required' },
  'feedback.submit': { form: { would_hire: true }, nonce: 'f' },
  'feedback.status': { mine: 'pending', theirs: 'submitted' },
  'feedback.reveal': { mine: {}, theirs: {}, calibration: { self: 2, actual: 3 } },
  'unmask.answer': { answer: 'yes' },
  'unmask.status': { mine: 'yes', deadline: null },
  'unmask.result': { unmasked: false, identity: null },
  'run.result': { language: 'python', stdin: 'x\n', stdout: 'héllo 👋\n', stderr: '', exception: { type: 'ZeroDivisionError', message: 'division by zero', line: 2 }, exit: 1, duration_ms: 12, timed_out: false, truncated: [], order: [['stdout', 8]], nonce: 'r-1' },
  'run.msg': { id: 4, ts: 1767225600000, from: { id: 'p1', name: 'A', color: '#000000' }, language: 'javascript', stdin: '', stdout: '', stderr: '', exception: null, exit: null, duration_ms: 10000, timed_out: true, truncated: ['stdout'], order: null, nonce: '' },
  'run.history': { runs: [] },
  'question.set': { text: '# Two sum\n\n<script>x</script>', nonce: 'q-1' },
  question: { text: 'Reverse a list', ts: 1767225600000, from: null, nonce: '' },
  'notes.save': { text: 'strong on tests', nonce: 'n-1' },
  notes: { text: '', ts: null, nonce: '' },
  'timeline.get': { after: 0, nonce: 't-1' },
  timeline: { info: { session: 's', complete: true }, events: [{ k: 'phase', ts: 1, phase: 'live' }], next: null, nonce: 't-1' },
  'recording.consent': { yes: true },
  recording: { allowed: true, on: true, mine: true, theirs: true },
  'recording.chunk': { run: 1, seq: 0, ms: 1000, data: 'GkXfow==', nonce: 'rc-1' },
  'recording.get': { after: 0, nonce: 'rg-1' },
  'recording.chunks': { chunks: [{ id: 1, by: 'p-1', run: 1, seq: 0, ts: 5, ms: 1000, data: 'GkXfow==' }], next: null, nonce: 'rg-1' }
}

test('every kind has a sample and survives a round trip through bytes', () => {
  assert.deepEqual(Object.keys(SAMPLE).sort(), Object.keys(KINDS).sort())
  for (const [t, fields] of Object.entries(SAMPLE)) {
    const frame = encodeCollab({ t, ...fields })
    assert.equal(frame[0], MSG_COLLAB)
    const [msg] = decodeFrame(frame)
    assert.equal(msg.type, 'collab')
    assert.deepEqual(msg.payload, { t, ...fields })
  }
})

test('the map puts "t" first, then fields in schema order, whatever the input order', () => {
  const map = toMap({ nonce: 'n', text: 'x', t: 'chat.post' })
  assert.deepEqual(Object.keys(map), ['t', 'text', 'nonce'])
  const reordered = packPayload({ chat_after: 2, client: 'web', v: 1, t: 'hello' })
  const ordered = mpEncode({ t: 'hello', v: 1, client: 'web', chat_after: 2 })
  assert.deepEqual(reordered, ordered)
})

test('optional fields: defaults are written, null fields are left out', () => {
  assert.deepEqual(toMap({ t: 'hello', v: 1 }), { t: 'hello', v: 1, client: '', chat_after: 0 })
  assert.deepEqual(toMap({ t: 'signal', kind: 'hangup', data: {} }), { t: 'signal', kind: 'hangup', data: {}, to: '', masked: false })
  assert.deepEqual(Object.keys(toMap({ t: 'session', phase: 'lobby', participants: [] })), ['t', 'phase', 'participants', 'read_only', 'unmask_offered'])
})

test('decoding fills defaults the sender left out', () => {
  const msg = fromMap({ t: 'chat.typing', on: false })
  assert.deepEqual(msg, { t: 'chat.typing', on: false, from: null })
})

test('the encoder refuses what the schema forbids', () => {
  assert.throws(() => toMap({ t: 'teleport' }), (e) => e instanceof ProtocolError && e.kind === 'UnknownKind')
  assert.throws(() => toMap({ t: 'chat.post' }), (e) => e.kind === 'InvalidMessage' && /text is missing/.test(e.message))
  assert.throws(() => toMap({ t: 'hello', v: '1' }), (e) => e.kind === 'InvalidMessage')
  assert.throws(() => toMap({ t: 'hello', v: 1.5 }), (e) => e.kind === 'InvalidMessage')
  assert.throws(() => toMap({ t: 'chat.msg', id: 2 ** 53, ts: 0, from: {}, text: '' }), (e) => e.kind === 'InvalidMessage')
  assert.throws(() => toMap({ t: 'signal', kind: 'ice', data: [] }), (e) => e.kind === 'InvalidMessage')
})

test('the decoder checks types like the Python one', () => {
  const cases = [
    [{ t: 'hello', v: true }, 'InvalidMessage'], // booleans are not integers
    [{ t: 'ack' }, 'InvalidMessage'],
    [{ t: 'feedback.status', mine: 'pending', theirs: 1 }, 'InvalidMessage'],
    [{ t: 'unmask.result', unmasked: 'yes' }, 'InvalidMessage'],
    [{ t: 'toString' }, 'UnknownKind'], // no prototype keys
    [{ v: 1 }, 'InvalidMessage'],
    [['hello'], 'InvalidMessage']
  ]
  for (const [data, kind] of cases) {
    assert.throws(() => unpackPayload(mpEncode(data)), (e) => e.kind === kind, JSON.stringify(data))
  }
})

test('a frame may hold several messages, of any types', () => {
  const frame = new Uint8Array([
    ...encodeMessage({ type: 'query_awareness' }),
    ...encodeCollab({ t: 'ack', ref: 'a' }),
    ...encodeMessage({ type: 'sync_step1', state_vector: new Uint8Array([0]) })
  ])
  const msgs = decodeFrame(frame)
  assert.deepEqual(msgs.map((m) => m.type), ['query_awareness', 'collab', 'sync_step1'])
  assert.deepEqual(msgs[1].payload, { t: 'ack', ref: 'a' })
})

test('a truncated collabd message is a DecodeError, a bad payload a BadPayload', () => {
  const frame = encodeCollab({ t: 'ack', ref: 'abc' })
  assert.throws(() => decodeFrame(frame.slice(0, frame.length - 1)), (e) => e.kind === 'DecodeError' && !e.inPayload)
  assert.throws(() => decodeFrame(new Uint8Array([100, 1, 0xc1])), (e) => e.kind === 'BadPayload' && e.inPayload)
})

test('awareness entries round-trip, including a removal and non-ASCII state', () => {
  const entries = [
    { client_id: 7, clock: 1, state: { user: { name: 'Zoë 🦊', color: '#123456' }, pointer: { x: 1.5, y: -2 } } },
    { client_id: 2 ** 32, clock: 9, state: null }
  ]
  assert.deepEqual(decodeAwareness(encodeAwareness(entries)), entries)
  assert.throws(() => decodeAwareness(new Uint8Array([1, 1, 1, 1, 0x7b])), (e) => e instanceof ProtocolError)
})
