// RoomConnection over a fake WebSocket: the client package (Yjs sync, awareness and collabd's
// type-100 messages on one socket), hello after every (re)connect, connection state for the header.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as syncProtocol from 'y-protocols/sync'
import { RoomConnection } from '../src/connection.js'
import { RoomState } from '../src/state.js'
import { decodeFrame, encodeCollab } from '@collabd/client'

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
  open () {
    this.readyState = 1
    this.onopen()
  }

  receive (bytes) { this.onmessage({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }) }
  drop () {
    this.readyState = 3
    this.onclose({ code: 1006, reason: '' })
  }

  collab () {
    return this.sent.flatMap((f) => decodeFrame(f)).filter((m) => m.type === 'collab').map((m) => m.payload)
  }
}
FakeSocket.OPEN = 1
FakeSocket.all = []

/** Wait until `cond()` holds, checking on every turn of the event loop (bounded). */
async function until (cond, ms = 5000) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setImmediate(resolve))
  }
}

function connect () {
  FakeSocket.all = []
  const state = new RoomState({ role: 'interviewee', room: 'room-1' })
  const conn = new RoomConnection({ url: 'ws://127.0.0.1:1/rooms', room: 'room-1', token: 'v1.a.b', state, WebSocketPolyfill: FakeSocket })
  return { state, conn, ws: FakeSocket.all[0] }
}

function step2From (doc) {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, 0)
  syncProtocol.writeSyncStep2(enc, doc)
  return encoding.toUint8Array(enc)
}

test('connects to /rooms/<room> with the token and says hello after the socket opens', (t) => {
  const { conn, ws } = connect()
  t.after(() => conn.destroy())
  assert.equal(ws.url, 'ws://127.0.0.1:1/rooms/room-1?token=v1.a.b')
  assert.equal(conn.status, 'connecting')
  assert.equal(conn.send({ t: 'chat.post', text: 'x' }), false, 'nothing is sent before the socket is open')
  ws.open()
  assert.equal(conn.status, 'connected')
  assert.deepEqual(ws.collab(), [{ t: 'hello', v: 1, client: 'web', chat_after: 0, run_after: null }])
  assert.ok(ws.sent.some((f) => f[0] === 0 && f[1] === 0), 'SyncStep1 was sent')
})

test('collabd messages from the server reach the room state; a frame may hold several', (t) => {
  const { conn, ws, state } = connect()
  t.after(() => conn.destroy())
  ws.open()
  const welcome = encodeCollab({ t: 'welcome', v: 1, room: 'room-1', you: { id: 'p1', name: 'Teal Heron', color: '#1abc9c', role: 'interviewee' }, limits: {} })
  const msg = encodeCollab({ t: 'chat.msg', id: 4, ts: 1, from: { id: 'p2', name: 'A', color: '#000000' }, text: 'hi' })
  ws.receive(new Uint8Array([...welcome, ...msg]))
  assert.equal(state.you.name, 'Teal Heron')
  assert.equal(state.chat.maxId, 4)
})

test('a malformed collabd message is ignored without breaking the connection', (t) => {
  const { conn, ws, state } = connect()
  t.after(() => conn.destroy())
  ws.open()
  const warn = console.warn
  const warnings = []
  console.warn = (...a) => warnings.push(a.join(' '))
  try {
    ws.receive(new Uint8Array([100, 1, 0xc1]))
  } finally {
    console.warn = warn
  }
  assert.equal(warnings.length, 1)
  ws.receive(encodeCollab({ t: 'ack', ref: 'x' }))
  assert.equal(conn.status, 'connected')
  assert.equal(state.toasts.length, 0)
})

test('after a drop: reconnecting, edits kept and counted, then hello with the last chat and run ids and a full sync', async (t) => {
  const { conn, ws, state } = connect()
  t.after(() => conn.destroy())
  ws.open()
  const server = new Y.Doc()
  server.getText('code').insert(0, 'server text ')
  ws.receive(step2From(server))
  assert.equal(conn.synced, true)
  ws.receive(encodeCollab({ t: 'chat.msg', id: 9, ts: 1, from: { id: 'p2', name: 'A', color: '#000000' }, text: 'hi' }))
  ws.receive(encodeCollab({ t: 'run.msg', id: 3, ts: 2, from: { id: 'p2', name: 'A', color: '#000000' }, language: 'python', stdout: '1\n', exit: 0 }))
  const post = state.postChat('lost in flight')
  assert.equal(conn.send(post), true)

  ws.drop()
  assert.equal(conn.status, 'reconnecting')
  assert.equal(state.chat.pending[0].status, 'failed')
  assert.equal(conn.send({ t: 'chat.typing', on: true }), false)
  conn.doc.getText('code').insert(0, 'offline edit ')
  conn.doc.getText('code').insert(0, '+')
  assert.equal(conn.offlineEdits, 2)

  await until(() => FakeSocket.all.length === 2)
  const ws2 = FakeSocket.all[1]
  ws2.open()
  assert.deepEqual(ws2.collab(), [{ t: 'hello', v: 1, client: 'web', chat_after: 9, run_after: 3 }])
  // the provider's SyncStep1 lets the server ask for what it lacks; the server's step 2 syncs us
  ws2.receive(step2From(server))
  assert.equal(conn.offlineEdits, 0)
  assert.equal(conn.status, 'connected')
  assert.equal(conn.doc.getText('code').toString(), '+offline edit server text ')
})

test('a 44xx close from the server is final: closed, no reconnect', (t) => {
  const { conn, ws } = connect()
  t.after(() => conn.destroy())
  ws.open()
  ws.readyState = 3
  ws.onclose({ code: 4401, reason: 'token expired' })
  assert.equal(conn.status, 'closed')
  assert.deepEqual([conn.closeInfo.code, conn.closeInfo.reason, conn.closeInfo.terminal], [4401, 'token expired', true])
  assert.equal(FakeSocket.all.length, 1, 'no reconnect')
})

test('browser offline: the socket is closed at once and edits are counted; online: reconnect without waiting', async (t) => {
  const { conn, ws } = connect()
  t.after(() => conn.destroy())
  ws.open()
  ws.receive(step2From(new Y.Doc()))
  conn.setBrowserOnline(false)
  assert.equal(conn.status, 'offline')
  assert.equal(ws.readyState, 3, 'the old socket was closed')
  conn.doc.getText('code').insert(0, 'kept')
  assert.equal(conn.offlineEdits, 1)
  assert.equal(FakeSocket.all.length, 1, 'no reconnect attempts while the browser is offline')
  conn.setBrowserOnline(true)
  assert.equal(conn.status, 'reconnecting')
  assert.equal(FakeSocket.all.length, 2, 'a new socket at once')
  FakeSocket.all[1].open()
  assert.equal(conn.status, 'connected')
  assert.ok(FakeSocket.all[1].sent.some((f) => f[0] === 0 && f[1] === 0), 'SyncStep1 starts the merge')
})

test('first connection attempts that keep failing say so instead of "connecting" forever', async (t) => {
  const { conn } = connect()
  t.after(() => conn.destroy())
  assert.equal(conn.status, 'connecting')
  for (let i = 1; i <= 3; i++) {
    FakeSocket.all.at(-1).drop() // the upgrade is refused: the socket just closes
    await until(() => FakeSocket.all.length === i + 1)
  }
  assert.equal(conn.status, 'unreachable')
  FakeSocket.all.at(-1).open()
  assert.equal(conn.status, 'connected')
})

// -- presence follows the connection (issue 13, item 11) and refused links (item 8)

test('a silent connection is probed with query-awareness, then given up as lost', (t) => {
  FakeSocket.all = []
  let offset = 0
  const state = new RoomState({ role: 'interviewee', room: 'room-1' })
  const conn = new RoomConnection({ url: 'ws://127.0.0.1:1/rooms', room: 'room-1', token: 'v1.a.b', state, WebSocketPolyfill: FakeSocket, now: () => Date.now() + offset, fetchImpl: null })
  t.after(() => conn.destroy())
  const ws = FakeSocket.all[0]
  ws.open()
  conn._checkLive()
  assert.ok(!ws.sent.some((f) => f.length === 1 && f[0] === 3), 'no probe while traffic is fresh')
  offset = 3000
  conn._checkLive()
  assert.ok(ws.sent.some((f) => f.length === 1 && f[0] === 3), 'query-awareness probe after 2.5 s of silence')
  assert.equal(conn.status, 'connected')
  offset = 7000
  conn._checkLive()
  assert.equal(conn.status, 'reconnecting', 'after 6 s of silence the connection counts as lost')
  assert.equal(conn.connected, false)
})

test('a refused join link is recognised from the server\'s answer to a plain GET', async (t) => {
  FakeSocket.all = []
  const asked = []
  const fetchImpl = async (url) => {
    asked.push(url)
    return { status: 401, json: async () => ({ error: { code: 'bad_token', message: 'bad signature' } }) }
  }
  const state = new RoomState({ role: 'interviewee', room: 'room-1' })
  const conn = new RoomConnection({ url: 'ws://127.0.0.1:1/rooms', room: 'room-1', token: 'v1.a.b', state, WebSocketPolyfill: FakeSocket, fetchImpl })
  t.after(() => conn.destroy())
  FakeSocket.all[0].drop()
  await until(() => conn.status === 'refused')
  assert.deepEqual(conn.refusal, { code: 'bad_token', message: 'bad signature' })
  assert.deepEqual(asked, ['http://127.0.0.1:1/rooms/room-1?token=v1.a.b'])
  conn.destroy() // the page explains the link and closes the room: still refused
  assert.equal(conn.status, 'refused')
})

test('a server that is down is not taken for a refused link', async (t) => {
  FakeSocket.all = []
  let asked = 0
  const fetchImpl = async () => { asked += 1; throw new TypeError('Failed to fetch') }
  const state = new RoomState({ role: 'interviewee', room: 'room-1' })
  const conn = new RoomConnection({ url: 'ws://127.0.0.1:1/rooms', room: 'room-1', token: 'v1.a.b', state, WebSocketPolyfill: FakeSocket, fetchImpl })
  t.after(() => conn.destroy())
  FakeSocket.all[0].drop()
  await until(() => asked === 1)
  await new Promise((resolve) => setImmediate(resolve))
  assert.notEqual(conn.status, 'refused')
  assert.equal(conn.refusal, null)
})
