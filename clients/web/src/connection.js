/**
 * One participant's connection to a room: the Y.Doc, the stock y-websocket provider (which speaks
 * message types 0-3) and collabd's own messages (type 100) on the same socket.
 *
 * After every (re)connect the client sends `hello` with the highest chat and run ids it has seen,
 * so the server replays only the chat and runs it missed. Connection state for the header:
 *   'connecting' | 'connected' | 'reconnecting' | 'offline' | 'closed'
 * plus `offlineEdits`: local document changes made while not connected (kept, and synced by the
 * provider's SyncStep1/2 exchange on reconnect).
 *
 * Liveness: a network that drops silently leaves the socket "open" for a long time. When nothing
 * has arrived for PROBE_AFTER_MS the client asks for the awareness states (query-awareness, type
 * 3, which the server answers at once); when still nothing has arrived after STALE_AFTER_MS it
 * treats the connection as lost (so the other participant is no longer shown as online) and
 * reconnects.
 *
 * A refused join: browsers hide why an upgrade failed, so after a failed first attempt the client
 * asks the same URL with a plain GET; the server answers a refusal with its JSON error (SPEC 3.3),
 * and `refusal` is set to `{code, message}` for the page to explain.
 */
import * as Y from 'yjs'
import * as decoding from 'lib0/decoding'
import { WebsocketProvider } from 'y-websocket'
import { MSG_COLLAB, MSG_QUERY_AWARENESS, PROTOCOL_VERSION, encodeCollab, readCollab, ProtocolError } from './codec.js'

export const PROBE_AFTER_MS = 2500
export const STALE_AFTER_MS = 6000
// Refusal codes that are about the link itself: retrying cannot help.
export const LINK_REFUSALS = new Set(['missing_token', 'bad_token', 'expired_token', 'wrong_room', 'not_found', 'not_allowed', 'bad_origin'])

export class RoomConnection {
  /**
   * @param {object} opts
   * @param {string} opts.url        ws(s)://host/rooms
   * @param {string} opts.room
   * @param {string} opts.token
   * @param {import('./state.js').RoomState} opts.state
   * @param {() => number} [opts.now]
   */
  constructor ({ url, room, token, state, now = () => Date.now(), WebSocketPolyfill, fetchImpl = globalThis.fetch }) {
    this.state = state
    this.refusal = null
    this._probeUrl = `${url.replace(/^ws/, 'http')}/${room}?token=${encodeURIComponent(token)}`
    this._fetch = fetchImpl ? (...args) => fetchImpl(...args) : null // unbound: window.fetch refuses another `this`
    this._probing = false
    this._queried = 0
    this.now = now
    this.doc = new Y.Doc()
    this.status = 'connecting'
    this.everConnected = false
    this.offlineEdits = 0
    this.closeInfo = null
    this._listeners = new Set()
    this._browserOffline = typeof navigator !== 'undefined' && navigator.onLine === false

    const opts = {
      params: { token },
      // Both participants of a practice session often use two tabs of one browser; a
      // BroadcastChannel would sync them directly, around the server's checks. Never use it.
      disableBc: true,
      maxBackoffTime: 2500
    }
    if (WebSocketPolyfill) opts.WebSocketPolyfill = WebSocketPolyfill
    this.provider = new WebsocketProvider(url, room, this.doc, opts)
    this.awareness = this.provider.awareness
    this.provider.messageHandlers[MSG_COLLAB] = (_encoder, decoder) => this._onCollab(decoder)

    this.provider.on('status', ({ status }) => this._onStatus(status))
    this.provider.on('sync', (synced) => {
      if (synced) {
        this.offlineEdits = 0
        this._changed()
      }
    })
    this.provider.on('closed', (info) => {
      this.closeInfo = info
      this.status = 'closed'
      this._changed()
    })
    this._live = setInterval(() => this._checkLive(), 500)
    this.doc.on('update', (_update, origin) => {
      if (origin !== this.provider && (!this.provider.synced || !this.provider.wsconnected)) {
        this.offlineEdits += 1
        this._changed()
      }
    })
  }

  /** Called with no arguments whenever status / offlineEdits change. */
  onChange (fn) {
    this._listeners.add(fn)
    return () => this._listeners.delete(fn)
  }

  _changed () {
    for (const fn of this._listeners) fn()
  }

  /** Probe a quiet connection; give up on a silent one (see the module doc). */
  _checkLive () {
    const p = this.provider
    if (!p.wsconnected || !p.ws || p.ws.readyState !== 1) return
    const silent = this.now() - p.wsLastMessageReceived
    if (silent >= STALE_AFTER_MS) {
      this.reconnectNow(true)
    } else if (silent >= PROBE_AFTER_MS && this.now() - this._queried >= PROBE_AFTER_MS) {
      this._queried = this.now()
      p.ws.send(new Uint8Array([MSG_QUERY_AWARENESS]))
    }
  }

  /** Ask the server why the upgrade failed (a plain GET of the same URL; SPEC 3.3). */
  async _probeRefusal () {
    if (this._probing || !this._fetch || this.refusal) return
    this._probing = true
    try {
      const res = await this._fetch(this._probeUrl, { headers: { Accept: 'application/json' }, cache: 'no-store' })
      if (res.status === 401 || res.status === 403) {
        const body = await res.json().catch(() => null)
        const err = body && body.error
        if (err && LINK_REFUSALS.has(err.code)) {
          this.refusal = { code: err.code, message: String(err.message || '') }
          this.provider.disconnect()
          this.status = 'refused'
          this._changed()
        }
      }
    } catch {
      // server unreachable: keep retrying the socket
    } finally {
      this._probing = false
    }
  }

  _onStatus (status) {
    if (this.status === 'closed' || this.status === 'refused') return
    if (status !== 'connected') {
      const fails = this.provider.wsUnsuccessfulReconnects
      // a link that never worked is asked about at once; one that worked only after a while
      if (this.everConnected ? fails > 0 && fails % 5 === 0 : fails === 1) this._probeRefusal()
    }
    if (status === 'connected') {
      this.everConnected = true
      this.status = 'connected'
      this.send({ t: 'hello', v: PROTOCOL_VERSION, client: 'web', chat_after: this.state.chat.maxId, run_after: this.state.runs.maxId })
    } else if (status === 'disconnected') {
      this.state.failPendingChat('Connection lost before the server confirmed this message.')
      this.status = this._browserOffline ? 'offline' : 'reconnecting'
    } else if (status === 'connecting') {
      if (this._browserOffline) this.status = 'offline'
      else if (this.everConnected) this.status = 'reconnecting'
      // Browsers hide why an upgrade failed (bad or expired token, server down): after a few
      // failed first attempts, say that joining is not working instead of "connecting" forever.
      else this.status = this.provider.wsUnsuccessfulReconnects >= 3 ? 'unreachable' : 'connecting'
    }
    this._changed()
  }

  /**
   * The browser went offline / online (window events). Offline, the socket is dead even if it
   * has not noticed yet: close it, so edits are unambiguously kept locally; online, connect at
   * once (no backoff) and let the SyncStep1/2 exchange merge both sides' edits.
   */
  setBrowserOnline (online) {
    this._browserOffline = !online
    if (this.status === 'closed' || this.status === 'refused') return
    if (!online) {
      if (this.provider.ws) this.provider.disconnect()
      this.status = 'offline'
    } else if (this.status === 'offline') {
      this.status = 'reconnecting'
      this.provider.connect()
    }
    this._changed()
  }

  /** Skip the backoff wait: drop whatever socket there is and connect again. */
  reconnectNow (evenIfConnected = false) {
    if (this.provider.wsconnected && !evenIfConnected) return
    this.provider.disconnect()
    this.provider.connect()
    if (this.status === 'offline' || this.status === 'connected') {
      this.status = 'reconnecting'
      this._changed()
    }
  }

  _onCollab (decoder) {
    let msg
    try {
      msg = readCollab(decoder)
    } catch (err) {
      if (err instanceof ProtocolError) {
        console.warn('collabd: ignoring a malformed message:', err.message)
        return
      }
      throw err
    }
    this.state.receive(msg, this.now())
    // A frame may hold further collabd messages back to back.
    while (decoding.hasContent(decoder)) {
      const type = decoding.readVarUint(decoder)
      if (type !== MSG_COLLAB) break
      try {
        this.state.receive(readCollab(decoder), this.now())
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err
        break
      }
    }
  }

  /** Send one collabd message; false if not connected (nothing is queued). */
  send (msg) {
    const ws = this.provider.ws
    if (!this.provider.wsconnected || !ws || ws.readyState !== 1) return false
    ws.send(encodeCollab(msg))
    return true
  }

  get connected () {
    return this.provider.wsconnected
  }

  destroy () {
    clearInterval(this._live)
    // A goodbye (1000, which the server never sends itself): the other side sees "left" at once
    // instead of "reconnecting" for the grace period (SPEC 12). The page is going away.
    const ws = this.provider.ws
    if (ws && ws.readyState === 1) ws.close(1000, 'left')
    this.provider.destroy()
    this.doc.destroy()
  }
}
