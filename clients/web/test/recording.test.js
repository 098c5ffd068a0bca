// CallRecorder against a fake MediaRecorder: what it uploads (runs, seq, durations, base64),
// when it starts and stops, and a new run after a refused chunk. The real recorder runs in the
// e2e test (tests/e2e/test_call_recording.py).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CallRecorder, toBase64 } from '../src/recording.js'

class FakeRecorder {
  constructor (stream, options) {
    this.stream = stream
    this.options = options
    this.state = 'inactive'
    FakeRecorder.all.push(this)
  }

  static isTypeSupported (t) { return t === 'audio/webm;codecs=opus' }
  start (slice) { this.state = 'recording'; this.slice = slice }
  stop () { this.state = 'inactive' }
  emit (bytes) {
    this.ondataavailable({ data: { size: bytes.length, arrayBuffer: async () => bytes.buffer } })
  }
}
FakeRecorder.all = []

function setup () {
  FakeRecorder.all = []
  const sent = []
  let now = 0
  let clock = 1000
  const rec = new CallRecorder({
    send: (m) => { sent.push(m); return true },
    nextNonce: (p) => `${p}-${sent.length}`,
    MediaRecorderImpl: FakeRecorder,
    now: () => now,
    clock: () => clock
  })
  return { rec, sent, tick: (ms) => { now += ms }, setClock: (c) => { clock = c } }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

test('records only while on with a stream, in one-second WebM/Opus chunks', async () => {
  const { rec, sent, tick } = setup()
  const stream = {}
  rec.sync(false, stream)
  rec.sync(true, null)
  assert.equal(FakeRecorder.all.length, 0)
  rec.sync(true, stream)
  const r = FakeRecorder.all[0]
  assert.equal(r.options.mimeType, 'audio/webm;codecs=opus')
  assert.equal(r.options.audioBitsPerSecond, 32000)
  assert.equal(r.slice, 1000)
  rec.sync(true, stream) // the same stream: nothing new
  assert.equal(FakeRecorder.all.length, 1)
  tick(1000)
  r.emit(new Uint8Array([1, 2, 3]))
  tick(980)
  r.emit(new Uint8Array([4]))
  await settle()
  assert.deepEqual(sent.map((m) => [m.t, m.run, m.seq, m.ms, m.data]), [
    ['recording.chunk', 1000, 0, 1000, toBase64(new Uint8Array([1, 2, 3]))],
    ['recording.chunk', 1000, 1, 980, 'BA==']])
  assert.ok(sent.every((m) => m.nonce.startsWith('rc-')))
  rec.sync(false, stream)
  assert.equal(r.state, 'inactive')
  assert.equal(rec.recording, false)
})

test('a new stream or a refused chunk starts a new run; runs only increase', async () => {
  const { rec, sent, tick } = setup()
  rec.sync(true, {})
  rec.sync(true, {}) // masking switched: another stream
  assert.equal(FakeRecorder.all.length, 2)
  assert.equal(FakeRecorder.all[0].state, 'inactive')
  const second = FakeRecorder.all[1]
  tick(1000)
  second.emit(new Uint8Array([9]))
  await settle()
  rec.refusedChunk()
  const third = FakeRecorder.all[2]
  tick(1000)
  third.emit(new Uint8Array([7]))
  await settle()
  assert.deepEqual(sent.map((m) => [m.run, m.seq]), [[1001, 0], [1002, 0]])
  assert.equal(rec.refused, 1)
})

test('base64 of large chunks', () => {
  const big = new Uint8Array(100000).map((_, i) => i % 251)
  assert.equal(Buffer.from(toBase64(big), 'base64').equals(Buffer.from(big)), true)
})
