#!/usr/bin/env node
// Cold and warm join of a big document, for the collabd benchmark (see README.md).
//
//   --build N [--warm-joins K]  one stock y-websocket client types N one-character edits
//       (one transaction, so one update frame, each; after its own previous character, a
//       newline every 40, a jump to a random place every 80) into room --room; a second
//       fresh client then syncs and must see all N characters (for collabd that means the
//       server has stored them). With --warm-joins K, K more fresh clients join one after
//       the other while the writer stays connected (the document is loaded): the warm join.
//   --join --expect N  one fresh client joins (run.py restarts the server first, so for
//       collabd the document comes from the store: the cold join).
// A join is timed from the provider's creation (the connect) to its `sync` event, and the
// synced text must hold N characters. Output: one JSON object on stdout.
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import WebSocket from 'ws'
import { performance } from 'node:perf_hooks'
import { argvOptions, mintToken, sleep } from './common.mjs'

const { opt, flag } = argvOptions(process.argv.slice(2))
const url = opt('url', 'ws://127.0.0.1:1234/rooms')
const room = opt('room', 'coldjoin')
const secret = opt('secret', process.env.COLLABD_SECRET || 'bench-secret')
const build = parseInt(opt('build', '0'))
const warmJoins = parseInt(opt('warm-joins', '0'))
const expect = parseInt(opt('expect', '0'))
const timeout = parseFloat(opt('timeout', '120')) * 1000
const log = (...a) => console.error('[coldjoin]', ...a)

const provider = (pid) => {
  const doc = new Y.Doc()
  const p = new WebsocketProvider(url, room, doc, {
    params: { token: mintToken(secret, room, pid) },
    WebSocketPolyfill: WebSocket,
    disableBc: true
  })
  return { doc, text: doc.getText('code'), p }
}

const waitFor = async (cond, what) => {
  const t0 = performance.now()
  while (!cond()) {
    if (performance.now() - t0 > timeout) throw new Error(`timeout waiting for ${what}`)
    await sleep(5)
  }
}

// connect -> synced, with the text length it synced to
const joinOnce = async (pid, want) => {
  const t0 = performance.now()
  const c = provider(pid)
  let tSync = null
  c.p.on('sync', (s) => { if (s && tSync === null) tSync = performance.now() })
  await waitFor(() => tSync !== null, 'sync')
  const ms = tSync - t0
  const len = c.text.length
  // a server may send the document in more than one message: wait until it is all there
  await waitFor(() => c.text.length >= want, `${want} characters (have ${c.text.length})`)
  const msAll = performance.now() - t0
  c.p.destroy()
  return { ms, ms_all: msAll, len_at_sync: len }
}

const main = async () => {
  const out = { room }
  if (build > 0) {
    const w = provider('p0')
    await waitFor(() => w.p.synced, 'writer sync')
    const t0 = performance.now()
    let pos = w.text.length
    for (let i = 0; i < build; i++) {
      if (i % 80 === 0 && w.text.length > 0) pos = Math.floor(Math.random() * (w.text.length + 1))
      w.text.insert(pos, i % 40 === 39 ? '\n' : String.fromCharCode(97 + (i % 26)))
      pos++
      if (i % 200 === 199) {
        // let the socket drain: do not queue megabytes in the client
        do { await sleep(1) } while ((w.p.ws?.bufferedAmount ?? 0) > 256 * 1024)
      }
      if (i % 20000 === 19999) log(`${i + 1}/${build} edits sent`)
    }
    out.build_send_seconds = (performance.now() - t0) / 1000
    // a fresh client must get every character from the server
    const check = await joinOnce('p1', build)
    out.build_seconds = (performance.now() - t0) / 1000
    out.check_join = check
    out.text_len = w.text.length
    out.warm_joins = []
    for (let k = 0; k < warmJoins; k++) out.warm_joins.push(await joinOnce('p1', build))
    w.p.destroy()
  } else if (flag('join')) {
    out.join = await joinOnce('p1', expect)
  }
  process.stdout.write(JSON.stringify(out) + '\n')
  setTimeout(() => process.exit(0), 100).unref()
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ room, error: String(e?.message || e) }) + '\n')
  process.exit(1)
})
