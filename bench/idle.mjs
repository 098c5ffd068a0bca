#!/usr/bin/env node
// Idle connections for the collabd benchmark (see README.md): N raw `ws` sockets (N/2 rooms
// x 2) that speak the y-websocket protocol like an editor that has nothing to type:
//   on open: SyncStep1 (empty state vector) and an awareness update with a user state;
//   the server's SyncStep1 is answered with SyncStep2 (the empty update); the server's
//   SyncStep2 marks the connection synced; WebSocket pings are answered by `ws` itself;
//   every --renew seconds (15, as y-protocols' Awareness does) the awareness state is
//   re-sent with the next clock, so the servers keep it (0 = never).
// A y-websocket provider + Y.Doc per connection would cost the load generator far more
// memory and CPU than the servers under test; these sockets send the same bytes.
//
// Protocol with the parent (run.py): once every socket is open and synced (or the connect
// timeout passed) it prints `READY {json}`; on `STOP` from stdin it prints the final JSON
// (sockets the server closed during the hold, frames received) and exits.
import WebSocket from 'ws'
import crypto from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { argvOptions, mintToken, sleep, stdinLines } from './common.mjs'

const { opt } = argvOptions(process.argv.slice(2))
const url = opt('url', 'ws://127.0.0.1:1234/rooms')
const nConns = parseInt(opt('conns', '1000'))
const secret = opt('secret', process.env.COLLABD_SECRET || 'bench-secret')
const prefix = opt('prefix', 'idle-' + crypto.randomBytes(3).toString('hex'))
const concurrency = parseInt(opt('concurrency', '200')) // handshakes in flight
const renewSeconds = parseFloat(opt('renew', '15'))
const connectTimeout = parseFloat(opt('connect-timeout', '120'))
const maxHold = parseFloat(opt('max-hold', '600')) // leave by ourselves after this
const log = (...a) => console.error('[idle]', ...a)

// ---- y-protocols encoding (lib0 varUint / varString) ----
const varUint = (out, n) => {
  while (n > 0x7f) { out.push(0x80 | (n % 0x80)); n = Math.floor(n / 0x80) }
  out.push(n)
}
const SYNC_STEP1_EMPTY = Buffer.from([0, 0, 1, 0]) // sync, step 1, varBytes(state vector {})
const SYNC_STEP2_EMPTY = Buffer.from([0, 1, 2, 0, 0]) // sync, step 2, varBytes(empty update)
const awarenessMessage = (clientID, clock, state) => {
  const json = Buffer.from(JSON.stringify(state), 'utf8')
  const upd = []
  varUint(upd, 1) // one entry
  varUint(upd, clientID)
  varUint(upd, clock)
  varUint(upd, json.length)
  const head = []
  varUint(head, 1) // message type awareness
  varUint(head, upd.length + json.length)
  return Buffer.concat([Buffer.from(head), Buffer.from(upd), json])
}

const conns = []
const counts = { opened: 0, synced: 0, failed: 0, closedByServer: 0, frames: 0, renewals: 0 }
const closeCodes = {}
const failures = {}
let holding = false
let stopping = false

const openOne = (i) => new Promise((resolve) => {
  const room = `${prefix}-r${Math.floor(i / 2)}`
  const pid = `p${i % 2}`
  const c = {
    ws: null,
    clientID: crypto.randomInt(1, 2 ** 31),
    clock: 1,
    synced: false,
    state: { user: { name: `idle-${i}`, color: '#30bced', colorLight: '#30bced33' }, cursor: null }
  }
  conns.push(c)
  const ws = new WebSocket(`${url}/${room}?token=${mintToken(secret, room, pid)}`)
  c.ws = ws
  let settled = false
  const settle = () => { if (!settled) { settled = true; resolve() } }
  setTimeout(settle, 30000).unref() // a socket that never syncs does not hold its worker
  ws.on('open', () => {
    counts.opened++
    ws.send(SYNC_STEP1_EMPTY)
    ws.send(awarenessMessage(c.clientID, c.clock, c.state))
  })
  ws.on('message', (data) => {
    counts.frames++
    if (data.length >= 2 && data[0] === 0) {
      if (data[1] === 0) ws.send(SYNC_STEP2_EMPTY)
      else if (data[1] === 1 && !c.synced) { c.synced = true; counts.synced++; settle() }
    }
  })
  ws.on('unexpected-response', (req, res) => {
    failures[res.statusCode] = (failures[res.statusCode] || 0) + 1
  })
  ws.on('error', (e) => {
    if (!settled) { counts.failed++; failures[e.code || e.message] = (failures[e.code || e.message] || 0) + 1 }
    settle()
  })
  ws.on('close', (code) => {
    if (!stopping) {
      counts.closedByServer++
      closeCodes[code] = (closeCodes[code] || 0) + 1
    }
    settle()
  })
})

// awareness renewal: connections spread over 100 ms slots, so renewals are even in time
let renewTimer = null
const startRenewals = () => {
  if (!(renewSeconds > 0)) return
  const slots = Math.max(1, Math.round(renewSeconds * 10))
  let slot = 0
  renewTimer = setInterval(() => {
    for (let i = slot; i < conns.length; i += slots) {
      const c = conns[i]
      if (c.ws.readyState !== WebSocket.OPEN) continue
      c.clock++
      c.ws.send(awarenessMessage(c.clientID, c.clock, c.state))
      counts.renewals++
    }
    slot = (slot + 1) % slots
  }, 100)
}

const finish = (extra) => {
  stopping = true
  if (renewTimer) clearInterval(renewTimer)
  const open = conns.filter((c) => c.ws.readyState === WebSocket.OPEN).length
  const out = {
    conns: nConns, ...counts, open_at_stop: open, close_codes: closeCodes, failures,
    ws_extensions: [...new Set(conns.map((c) => c.ws.extensions || ''))], ...extra
  }
  for (const c of conns) { try { c.ws.terminate() } catch {} }
  process.stdout.write(JSON.stringify(out) + '\n')
  setTimeout(() => process.exit(0), 200).unref()
}

const main = async () => {
  stdinLines((line) => { if (line === 'STOP') finish({}) })
  const t0 = performance.now()
  let next = 0
  const worker = async () => {
    while (next < nConns && performance.now() - t0 < connectTimeout * 1000) {
      await openOne(next++)
    }
  }
  const progress = setInterval(() => log(`${counts.opened} open, ${counts.synced} synced, ${counts.failed} failed`), 5000)
  await Promise.all(Array.from({ length: Math.min(concurrency, nConns) }, worker))
  clearInterval(progress)
  const connectSeconds = (performance.now() - t0) / 1000
  holding = true
  startRenewals()
  const ready = { connect_seconds: connectSeconds, ...counts, failures }
  log(`READY after ${connectSeconds.toFixed(1)} s: ${counts.synced}/${nConns} synced, ${counts.failed} failed`)
  process.stdout.write('READY ' + JSON.stringify(ready) + '\n')
  await sleep(maxHold * 1000)
  if (holding) finish({ error: 'max hold reached without STOP' })
}

process.on('SIGTERM', () => finish({ error: 'terminated' }))
main().catch((e) => { log(String(e?.stack || e)); finish({ error: String(e) }) })
