#!/usr/bin/env node
// Load generator for the collabd benchmark (see README.md).
//
// N rooms x 2 stock Yjs clients (y-websocket WebsocketProvider + Y.Doc) in ONE Node
// process. Every client types one character into the `code` Y.Text at a fixed rate.
// Delivery latency = time from the local insert to the moment the other client's doc
// contains it. All clients share one clock (performance.now()).
//
// How a delivery is detected: a one-character insert by client A advances A's clock in
// the Yjs state vector by exactly the inserted length. For every insert we queue
// (A's clock after the insert, send time). Whenever B's doc changes we read B's state
// for A's clientID; every queued insert whose clock is <= that state has been delivered.
// This is exact, needs nothing embedded in the text and copes with updates Yjs holds
// back as pending (their clock only counts once they are integrated).
//
// The measured window is [warm-up end, warm-up end + seconds]. Only inserts made inside
// the window count. Server CPU (utime+stime from /proc/<pid>/stat, all threads) and this
// process's CPU are sampled at the window's edges, so no coordination with the parent is
// needed. Output: one JSON object on stdout (and --out FILE if given).

import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import crypto from 'node:crypto'
import fs from 'node:fs'
import { performance } from 'node:perf_hooks'
import {
  argvOptions, mintToken, procUserSys, procCpuSeconds, threadCpuSeconds, treeCpuSeconds,
  selfCpuSeconds, rssMiB, machineBusySeconds, sleep, stdinLines
} from './common.mjs'

const { opt, flag } = argvOptions(process.argv.slice(2))

const url = opt('url', 'ws://127.0.0.1:1234/rooms')
const url2 = opt('url2', url) // the second client of each room (cluster: another node)
// more processes to sample, each with its whole tree (PostgreSQL's postmaster: its backends)
const pids = opt('pids', '').split(',').filter(Boolean).map((x) => parseInt(x))
const nRooms = parseInt(opt('rooms', '10'))
const rate = parseFloat(opt('rate', '10')) // keystrokes per second per client
const warmup = parseFloat(opt('warmup', '5')) // seconds
const seconds = parseFloat(opt('seconds', '20')) // measured window
const drainMax = parseFloat(opt('drain', '10')) // max seconds to wait for stragglers
const connectTimeout = parseFloat(opt('connect-timeout', '20'))
const serverPid = parseInt(opt('server-pid', '0'))
const clkTck = parseInt(opt('clk-tck', '100'))
const secret = opt('secret', process.env.COLLABD_SECRET || 'bench-secret')
const prefix = opt('prefix', 'bench-' + crypto.randomBytes(3).toString('hex'))
const waitSync = !flag('no-sync-wait') // the floor relays never answer SyncStep1
const cursor = flag('cursor') // also publish an awareness cursor per keystroke
// several client processes share one load level: each says READY once connected and waits
// for "GO <epoch ms>" on stdin, so all of them type and sample over the same window
const goStdin = flag('go-stdin')
const outFile = opt('out', '')

process.setMaxListeners(0) // every provider adds a process 'exit' listener

const log = (...a) => console.error('[clients]', ...a)

// ---- set-up ----
class Client {
  constructor (room, idx) {
    this.room = room
    this.idx = idx
    this.doc = new Y.Doc()
    this.text = this.doc.getText('code')
    this.provider = new WebsocketProvider(idx % 2 ? url2 : url, room, this.doc, {
      params: { token: mintToken(secret, room, `p${idx}`) },
      WebSocketPolyfill: WebSocket,
      disableBc: true // all clients share one process: BroadcastChannel would bypass the server
    })
    this.synced = false
    this.provider.on('sync', (s) => { if (s) this.synced = true })
    this.pending = [] // [clockAfterInsert, sendTime, measured]
    this.head = 0
    this.cursorRel = null
    this.typed = 0
    this.peer = null
  }

  connected () { return this.provider.wsconnected }

  // One keystroke: usually after our own previous character (a relative position, as an
  // editor cursor would be), sometimes a newline, now and then a jump elsewhere.
  type (measured) {
    const len = this.text.length
    let pos = len
    if (this.cursorRel !== null && this.typed % 80 !== 0) {
      const abs = Y.createAbsolutePositionFromRelativePosition(this.cursorRel, this.doc)
      if (abs !== null) pos = abs.index
    } else if (len > 0) {
      pos = Math.floor(Math.random() * (len + 1))
    }
    const ch = this.typed % 40 === 39 ? '\n' : String.fromCharCode(97 + (this.typed % 26))
    const t0 = performance.now()
    this.text.insert(pos, ch)
    this.pending.push([Y.getState(this.doc.store, this.doc.clientID), t0, measured])
    this.cursorRel = Y.createRelativePositionFromTypeIndex(this.text, pos + 1)
    this.typed++
    if (cursor) {
      this.provider.awareness.setLocalStateField('cursor', { anchor: pos + 1, head: pos + 1 })
    }
  }
}

const stats = {
  lat: [], // latencies (ms) of inserts made inside the window
  deliveredMeasured: 0,
  sentMeasured: 0,
  deliveredTotal: 0,
  sentTotal: 0,
  late: [] // ms each measured keystroke fired after its scheduled time
}

const rooms = []
for (let r = 0; r < nRooms; r++) {
  const name = `${prefix}-r${r}`
  const a = new Client(name, 0)
  const b = new Client(name, 1)
  a.peer = b
  b.peer = a
  for (const [src, dst] of [[a, b], [b, a]]) {
    // dst's doc changed: check which of src's inserts it now contains
    dst.doc.on('update', () => {
      const have = Y.getState(dst.doc.store, src.doc.clientID)
      const now = performance.now()
      const q = src.pending
      while (src.head < q.length && q[src.head][0] <= have) {
        const [, t0, measured] = q[src.head]
        stats.deliveredTotal++
        if (measured) {
          stats.deliveredMeasured++
          stats.lat.push(now - t0)
        }
        src.head++
      }
      if (src.head > 4096) { q.splice(0, src.head); src.head = 0 }
    })
  }
  rooms.push([a, b])
}
const clients = rooms.flat()

const result = {
  url, rooms: nRooms, clients: clients.length, rate, warmup, seconds, prefix, cursor
}

const finish = (code) => {
  for (const c of clients) {
    try { c.provider.destroy() } catch {}
  }
  const text = JSON.stringify(result)
  if (outFile) {
    const raw = { ...result, latencies_ms_raw: stats.lat.map((x) => Math.round(x * 1000) / 1000) }
    fs.writeFileSync(outFile, JSON.stringify(raw) + '\n')
  }
  process.stdout.write(text + '\n')
  // give sockets a moment to close, then leave no matter what
  setTimeout(() => process.exit(code), 200).unref()
}

const main = async () => {
  // connect (and sync, for servers that keep a document)
  const t0 = performance.now()
  for (;;) {
    const ok = clients.every((c) => c.connected() && (!waitSync || c.synced))
    if (ok) break
    if (performance.now() - t0 > connectTimeout * 1000) {
      const nc = clients.filter((c) => c.connected()).length
      const ns = clients.filter((c) => c.synced).length
      result.error = `connect timeout: ${nc}/${clients.length} connected, ${ns} synced`
      log(result.error)
      return finish(2)
    }
    await sleep(20)
  }
  result.connect_seconds = (performance.now() - t0) / 1000
  result.ws_extensions = [...new Set(clients.map((c) => c.provider.ws?.extensions ?? ''))]
  log(`${clients.length} clients connected in ${result.connect_seconds.toFixed(2)} s;` +
    ` warm-up ${warmup} s, window ${seconds} s, ${rate} keys/s/client`)

  let tStart = performance.now()
  if (goStdin) {
    // tell the parent we are connected, wait for the common start time
    const go = new Promise((resolve) => {
      stdinLines((line) => {
        const m = /^GO (\d+)$/.exec(line)
        if (m) resolve(parseInt(m[1]))
      })
    })
    process.stdout.write('READY\n')
    const epochMs = await go
    tStart = performance.now() + Math.max(0, epochMs - Date.now())
    await sleep(tStart - performance.now())
  }

  // typing: one timer per client with a random phase, drift-free schedule
  const period = 1000 / rate
  const tWinStart = tStart + warmup * 1000
  const tWinEnd = tWinStart + seconds * 1000
  let typingDone
  const typingFinished = new Promise((resolve) => { typingDone = resolve })
  let running = clients.length
  for (const c of clients) {
    let next = tStart + Math.random() * period
    const tick = () => {
      const now = performance.now()
      if (now >= tWinEnd) {
        if (--running === 0) typingDone()
        return
      }
      const measured = now >= tWinStart
      c.type(measured)
      stats.sentTotal++
      if (measured) {
        stats.sentMeasured++
        // how late this keystroke is against its schedule: the load generator's own lag
        stats.late.push(now - next)
      }
      next += period
      if (next < now) next = now // we fell behind: do not burst
      setTimeout(tick, next - now)
    }
    setTimeout(tick, next - performance.now())
  }

  // window edges: sample CPU as close to them as the timers allow
  await sleep(tWinStart - performance.now())
  const us0 = procUserSys(serverPid, clkTck)
  const cpu0 = procCpuSeconds(serverPid, clkTck); const self0 = selfCpuSeconds(); const w0 = performance.now()
  const busy0 = machineBusySeconds(clkTck)
  const threads0 = threadCpuSeconds(serverPid, clkTck)
  const pidCpu0 = treeCpuSeconds(pids, clkTck)
  await sleep(tWinEnd - performance.now())
  const pidCpu1 = treeCpuSeconds(pids, clkTck)
  const us1 = procUserSys(serverPid, clkTck)
  const cpu1 = procCpuSeconds(serverPid, clkTck); const self1 = selfCpuSeconds(); const w1 = performance.now()
  const busy1 = machineBusySeconds(clkTck)
  const threads1 = threadCpuSeconds(serverPid, clkTck)
  await typingFinished
  const wall = (w1 - w0) / 1000

  // drain: wait for the last measured inserts to arrive
  const tDrain = performance.now()
  while (stats.deliveredMeasured < stats.sentMeasured &&
         performance.now() - tDrain < drainMax * 1000) {
    await sleep(20)
  }
  result.drain_seconds = (performance.now() - tDrain) / 1000

  // convergence: both docs of each room have the same state vector and text
  let converged = 0
  const diverged = []
  const tConv = performance.now()
  for (;;) {
    converged = 0
    diverged.length = 0
    for (const [a, b] of rooms) {
      const same = Buffer.compare(Buffer.from(Y.encodeStateVector(a.doc)),
        Buffer.from(Y.encodeStateVector(b.doc))) === 0 &&
        a.text.toString() === b.text.toString()
      if (same) converged++
      else diverged.push(a.room)
    }
    if (converged === rooms.length || performance.now() - tConv > 3000) break
    await sleep(50)
  }

  const lat = stats.lat.sort((x, y) => x - y)
  const pctOf = (arr, p) => arr.length ? arr[Math.min(arr.length - 1, Math.ceil(p / 100 * arr.length) - 1)] : null
  const pct = (p) => pctOf(lat, p)
  const late = stats.late.sort((x, y) => x - y)
  const intended = clients.length * rate * seconds
  const serverCpu = cpu1 - cpu0
  Object.assign(result, {
    window_seconds: wall,
    sent: stats.sentMeasured,
    delivered: stats.deliveredMeasured,
    lost: stats.sentMeasured - stats.deliveredMeasured,
    // did the load generator keep up? keystrokes made in the window vs the schedule's
    intended_keystrokes: intended,
    keystroke_rate_achieved: intended ? stats.sentMeasured / intended : null,
    tick_late_ms: { p50: pctOf(late, 50), p99: pctOf(late, 99), max: late.length ? late[late.length - 1] : null },
    sent_total: stats.sentTotal,
    delivered_total: stats.deliveredTotal,
    deliveries_per_second: stats.deliveredMeasured / wall,
    latency_ms: {
      p50: pct(50), p90: pct(90), p99: pct(99), p999: pct(99.9),
      max: lat.length ? lat[lat.length - 1] : null,
      mean: lat.length ? lat.reduce((s, x) => s + x, 0) / lat.length : null
    },
    server_pid: serverPid,
    server_cpu_seconds: serverCpu,
    server_cpu_percent: 100 * serverCpu / wall,
    server_user_cpu_seconds: us1[0] - us0[0],
    server_system_cpu_seconds: us1[1] - us0[1], // syscalls: socket and file I/O
    server_cpu_seconds_per_1k_deliveries: stats.deliveredMeasured ? 1000 * serverCpu / stats.deliveredMeasured : null,
    // threads that ended inside the window are missing from these two
    server_main_thread_cpu_seconds: threads1[0] - threads0[0],
    server_other_threads_cpu_seconds: threads1[1] - threads0[1],
    server_rss_mib: rssMiB(serverPid),
    client_cpu_seconds: self1 - self0,
    cpu_seconds_by_pid: Object.fromEntries(pids.map((p, i) => [p, pidCpu1[i] - pidCpu0[i]])),
    client_cpu_percent: 100 * (self1 - self0) / wall,
    // CPU used on this machine by anything but the server and this process (100 = one core)
    background_cpu_percent: 100 * ((busy1 - busy0) - serverCpu - (self1 - self0)) / wall,
    machine_busy_seconds: busy1 - busy0,
    rooms_converged: converged,
    rooms_diverged: diverged.slice(0, 10),
    doc_chars_per_room: rooms.length ? rooms[0][0].text.length : 0
  })
  log(`done: ${stats.deliveredMeasured}/${stats.sentMeasured} delivered, ` +
    `p50 ${pct(50)?.toFixed(2)} ms p99 ${pct(99)?.toFixed(2)} ms, ` +
    `${converged}/${rooms.length} rooms converged`)
  finish(converged === rooms.length ? 0 : 3)
}

process.on('SIGINT', () => { result.error = 'interrupted'; finish(130) })
process.on('SIGTERM', () => { result.error = 'terminated'; finish(143) })
main().catch((e) => { result.error = String(e?.stack || e); log(result.error); finish(1) })
