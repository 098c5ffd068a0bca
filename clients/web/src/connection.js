/**
 * One participant's connection to a room, on the client package (@collabd/client, clients/js):
 * the package speaks the protocol (sync, awareness, collabd messages, hello after every
 * reconnect with the last chat and run ids, back-off, terminal close codes, liveness probes,
 * asking why a join was refused); this module adds what the page shows.
 *
 * Connection state for the header:
 *   'connecting' | 'connected' | 'reconnecting' | 'offline' | 'unreachable' | 'refused' | 'closed'
 * plus `offlineEdits`: local document changes made while not connected (kept, and synced by the
 * SyncStep1/2 exchange on reconnect), and `refusal` ({code, message}) when the server refused
 * the link itself.
 */
import { CollabClient } from '@collabd/client'

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
    this.now = now
    this.offlineEdits = 0
    this._listeners = new Set()
    this._browserOffline = typeof navigator !== 'undefined' && navigator.onLine === false
    const client = this.client = new CollabClient({
      server: url.replace(/^ws/, 'http').replace(/\/rooms\/?$/, ''),
      room,
      token,
      WebSocket: WebSocketPolyfill || globalThis.WebSocket,
      fetch: fetchImpl,
      clientName: 'web',
      backoff: [100, 2500],
      retryBeforeWelcome: true,
      now
    })
    this.doc = client.doc
    this.awareness = client.awareness
    client.on('message', (msg) => this.state.receive(msg, this.now()))
    client.on('protocolError', (err) => console.warn('collabd: ignoring a malformed message:', err.message))
    client.on('synced', () => {
      this.offlineEdits = 0
      this._changed()
    })
    client.on('status', (status) => {
      if (status === 'disconnected') this.state.failPendingChat('Connection lost before the server confirmed this message.')
      this._changed()
    })
    this.doc.on('update', (_update, origin) => {
      if (origin !== client && (!client.synced || !client.connected)) {
        this.offlineEdits += 1
        this._changed()
      }
    })
    client.start(Infinity).catch(() => {}) // how it ended is in `status`
    if (this._browserOffline) client.pause()
  }

  get status () {
    const c = this.client
    // refused stays refused, even once the page has closed the client to explain the link
    if (c.refusal) return 'refused'
    if (c.status === 'closed' || c.status === 'stopped') return 'closed'
    if (c.status === 'connected') return 'connected'
    if (this._browserOffline) return 'offline'
    if (c.everWelcomed || c.connections > 0) return 'reconnecting'
    // browsers hide why an upgrade failed: after a few failed first attempts, say so
    return c.failures >= 3 ? 'unreachable' : 'connecting'
  }

  get everConnected () {
    return this.client.connections > 0
  }

  get synced () {
    return this.client.synced
  }

  get connected () {
    return this.client.connected
  }

  get refusal () {
    return this.client.refusal
  }

  get closeInfo () {
    return this.client.closeInfo
  }

  /** Called with no arguments whenever status / offlineEdits change. */
  onChange (fn) {
    this._listeners.add(fn)
    return () => this._listeners.delete(fn)
  }

  /** Call `fn()` each time the document is in sync with the server. */
  onSynced (fn) {
    return this.client.on('synced', fn)
  }

  _changed () {
    for (const fn of this._listeners) fn()
  }

  _checkLive () {
    this.client._checkLive()
  }

  /**
   * The browser went offline / online (window events). Offline, the socket is dead even if it
   * has not noticed yet: close it, so edits are unambiguously kept locally; online, connect at
   * once (no backoff) and let the SyncStep1/2 exchange merge both sides' edits.
   */
  setBrowserOnline (online) {
    this._browserOffline = !online
    const s = this.client.status
    if (s === 'closed' || s === 'stopped') return
    if (!online) this.client.pause()
    else if (s === 'paused') this.client.reconnectNow()
    this._changed()
  }

  /** Skip the backoff wait: drop whatever socket there is and connect again. */
  reconnectNow (evenIfConnected = false) {
    this.client.reconnectNow(evenIfConnected)
  }

  /** Send one collabd message; false if not connected (nothing is queued). */
  send (msg) {
    return this.client.sendMessage(msg)
  }

  destroy () {
    // A goodbye (1000, which the server never sends itself): the other side sees "left" at once
    // instead of "reconnecting" for the grace period (SPEC 12). The page is going away.
    this.client.close()
    this.doc.destroy()
  }
}
