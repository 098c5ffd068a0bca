// CollabClient over a fake WebSocket: what it sends on open, how it stops or reconnects.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CollabClient, SdkError, decodeFrame, encodeCollab, isTerminalClose, CloseCode } from '../src/index.js'

class FakeSocket {
  constructor (url) {
    this.url = url
    this.readyState = 0
    this.sent = []
    FakeSocket.all.push(this)
  }

  send (data) { this.sent.push(new Uint8Array(data)) }
  close () {
    if (this.readyState === 3) return
    this.readyState = 3
    if (this.onclose) this.onclose({ code: 1005, reason: '' })
  }

  open () { this.readyState = 1; this.onopen() }
  receive (bytes) { this.onmessage({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }) }
  closedBy (code, reason = '') { this.readyState = 3; this.onclose({ code, reason }) }
  collab () {
    return this.sent.flatMap((f) => decodeFrame(f)).filter((m) => m.type === 'collab').map((m) => m.payload)
  }
}
FakeSocket.all = []

const WELCOME = encodeCollab({ t: 'welcome', v: 1, room: 'r1', you: { id: 'p1', name: 'Teal Heron', color: '#1abc9c', role: 'guest' }, limits: {} })
const refusedFetch = (status, code) => async () => ({ status, ok: false, json: async () => ({ error: { code, message: 'no' } }) })

async function until (cond, ms = 5000) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

function make (opts = {}) {
  FakeSocket.all = []
  return new CollabClient({ server: 'http://127.0.0.1:1/', room: 'r1', token: 'v1.a.b', WebSocket: FakeSocket, fetch: null, backoff: [1, 5], ...opts })
}

test('the close-code table decides what is terminal', () => {
  assert.equal(isTerminalClose(CloseCode.BAD), true)
  assert.equal(isTerminalClose(4499), true)
  assert.equal(isTerminalClose(CloseCode.TOO_BIG), true)
  assert.equal(isTerminalClose(CloseCode.GOING_AWAY), false)
  assert.equal(isTerminalClose(CloseCode.SLOW), false)
  assert.equal(isTerminalClose(1006), false)
})

test('on open: SyncStep1, then hello; connect resolves on the welcome', async () => {
  const c = make()
  const started = c.start()
  const ws = FakeSocket.all[0]
  assert.equal(ws.url, 'ws://127.0.0.1:1/rooms/r1?token=v1.a.b')
  ws.open()
  assert.deepEqual([ws.sent[0][0], ws.sent[0][1]], [0, 0])
  assert.deepEqual(ws.collab(), [{ t: 'hello', v: 1, client: 'js', chat_after: 0, run_after: null }])
  ws.receive(WELCOME)
  await started
  assert.equal(c.you.name, 'Teal Heron')
  c.close()
  assert.equal(c.status, 'closed')
})

test('after a drop it reconnects and asks only for the chat and runs it lacks', async () => {
  const c = make()
  const started = c.start()
  FakeSocket.all[0].open()
  FakeSocket.all[0].receive(WELCOME)
  await started
  FakeSocket.all[0].receive(encodeCollab({ t: 'chat.msg', id: 7, ts: 1, from: { id: 'p2', name: 'A', color: '#000000' }, text: 'hi' }))
  FakeSocket.all[0].receive(encodeCollab({ t: 'run.msg', id: 3, ts: 2, from: { id: 'p2', name: 'A', color: '#000000' }, language: 'python' }))
  const pending = c.postChat('in flight')
  FakeSocket.all[0].closedBy(1006)
  await assert.rejects(pending, (e) => e instanceof SdkError && e.code === 'disconnected')
  await until(() => FakeSocket.all.length === 2)
  FakeSocket.all[1].open()
  assert.deepEqual(FakeSocket.all[1].collab(), [{ t: 'hello', v: 1, client: 'js', chat_after: 7, run_after: 3 }])
  c.close()
})

test('a terminal close stops the client for good', async () => {
  const c = make()
  const started = c.start()
  FakeSocket.all[0].open()
  FakeSocket.all[0].receive(WELCOME)
  await started
  const closes = []
  c.on('close', (info) => closes.push(info))
  FakeSocket.all[0].closedBy(4403, 'removed')
  assert.equal(c.status, 'stopped')
  assert.deepEqual(closes, [{ code: 4403, reason: 'removed', name: 'FORBIDDEN', terminal: true }])
  await new Promise((resolve) => setTimeout(resolve, 30))
  assert.equal(FakeSocket.all.length, 1, 'no reconnect')
  await assert.rejects(c.waitFor(() => false), (e) => e.code === 'closed')
})

test('a join refused before any welcome rejects connect with the server\'s reason', async () => {
  const c = make({ fetch: refusedFetch(401, 'expired_token') })
  const started = c.start()
  FakeSocket.all[0].closedBy(1006)
  await assert.rejects(started, (e) => e instanceof SdkError && e.code === 'expired_token')
  assert.equal(c.status, 'stopped')
  assert.deepEqual(c.refusal, { code: 'expired_token', message: 'no' })
  assert.equal(FakeSocket.all.length, 1)
})

test('retryBeforeWelcome: a server that is down is retried, a refused link is not', async () => {
  let answer = null
  const fetch = async () => { if (!answer) throw new TypeError('fetch failed'); return answer() }
  const c = make({ fetch, retryBeforeWelcome: true })
  c.start(Infinity).catch(() => {})
  FakeSocket.all[0].closedBy(1006)
  await until(() => FakeSocket.all.length === 2)
  assert.equal(c.failures, 1)
  assert.equal(c.refusal, null)
  answer = refusedFetch(403, 'not_allowed')
  for (let n = 2; n <= 5; n++) {
    FakeSocket.all.at(-1).closedBy(1006)
    if (n < 5) await until(() => FakeSocket.all.length === n + 1)
  }
  await until(() => c.status === 'stopped') // asked again at the fifth failure
  assert.deepEqual(c.refusal, { code: 'not_allowed', message: 'no' })
  c.close()
})

test('pause keeps edits and stays away until reconnectNow', async () => {
  const c = make()
  const started = c.start()
  FakeSocket.all[0].open()
  FakeSocket.all[0].receive(WELCOME)
  await started
  c.pause()
  assert.equal(c.status, 'paused')
  assert.equal(FakeSocket.all[0].readyState, 3)
  c.code.insert(0, 'kept')
  await new Promise((resolve) => setTimeout(resolve, 30))
  assert.equal(FakeSocket.all.length, 1)
  c.reconnectNow()
  assert.equal(FakeSocket.all.length, 2)
  FakeSocket.all[1].open()
  assert.equal(c.status, 'connected')
  c.close()
})
