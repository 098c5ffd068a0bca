// A real Yjs client (yjs + y-websocket) driven over stdin/stdout with JSON lines, for the Python
// interop tests. Each command may carry an "id"; its answer echoes it.
import * as readline from 'node:readline'
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'

const doc = new Y.Doc()
const text = doc.getText('code')
let provider = null
let typer = null
const closes = []

const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n')

const waitFor = (check, timeoutMs) => new Promise((resolve) => {
  if (check()) return resolve(true)
  const started = Date.now()
  const timer = setInterval(() => {
    if (check()) { clearInterval(timer); resolve(true) } else if (Date.now() - started > timeoutMs) {
      clearInterval(timer); resolve(false)
    }
  }, 5)
})

const handlers = {
  connect ({ url, room, token, awareness }) {
    provider = new WebsocketProvider(url, room, doc, {
      params: token ? { token } : {},
      WebSocketPolyfill: WebSocket,
      maxBackoffTime: 500
    })
    provider.on('status', (e) => out({ ev: 'status', status: e.status }))
    provider.on('connection-close', (e) => { if (e) { closes.push(e.code); out({ ev: 'close', code: e.code }) } })
    if (awareness) provider.awareness.setLocalState(awareness)
    return {}
  },
  async wait_synced ({ timeout_ms = 10000 }) {
    return { ok: await waitFor(() => provider && provider.synced, timeout_ms) }
  },
  insert ({ index, text: t }) {
    text.insert(Math.min(index ?? text.length, text.length), t)
    return { length: text.length }
  },
  delete ({ index, length }) { text.delete(index, length); return {} },
  type ({ chars, interval_ms = 20 }) {
    // Appends one character every interval_ms, each in its own transaction (like typing).
    let i = 0
    typer = setInterval(() => {
      if (i >= chars.length) { clearInterval(typer); typer = null; return }
      text.insert(text.length, chars[i++])
    }, interval_ms)
    return {}
  },
  stop_typing () { if (typer) clearInterval(typer); typer = null; return {} },
  text () { return { text: text.toString() } },
  async wait_text ({ text: want, timeout_ms = 10000 }) {
    const ok = await waitFor(() => text.toString() === want, timeout_ms)
    return { ok, text: text.toString() }
  },
  async wait_length ({ length, timeout_ms = 10000 }) {
    const ok = await waitFor(() => text.length >= length, timeout_ms)
    return { ok, text: text.toString() }
  },
  disconnect () { provider.disconnect(); return {} },
  reconnect () { provider.connect(); return {} },
  set_awareness ({ state }) { provider.awareness.setLocalState(state); return {} },
  states () {
    return { client_id: doc.clientID, states: Array.from(provider.awareness.getStates().entries()) }
  },
  // `client` and `key`: also wait until that client's state has that key (a later state)
  async wait_states ({ count, timeout_ms = 10000, client = null, key = null }) {
    const ready = () => {
      const states = provider.awareness.getStates()
      return states.size === count && (key == null || (states.get(client) || {})[key] != null)
    }
    const ok = await waitFor(ready, timeout_ms)
    return { ok, states: Array.from(provider.awareness.getStates().entries()) }
  },
  closes () { return { codes: closes } },
  state_update () { return { update: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('hex') } },
  quit () { if (provider) provider.destroy(); setTimeout(() => process.exit(0), 10); return {} }
}

const rl = readline.createInterface({ input: process.stdin })
rl.on('line', async (line) => {
  let cmd
  try { cmd = JSON.parse(line) } catch { return out({ ev: 'error', error: 'bad json' }) }
  const handler = handlers[cmd.cmd]
  if (!handler) return out({ id: cmd.id, error: `unknown command ${cmd.cmd}` })
  try {
    out({ id: cmd.id, ...(await handler(cmd)) })
  } catch (e) {
    out({ id: cmd.id, error: String(e && e.stack || e) })
  }
})
rl.on('close', () => process.exit(0))
