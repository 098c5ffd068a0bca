/**
 * The embedder's side: the session REST API (served at /api, described by
 * GET /api/openapi.json) with the API key, and replaying a timeline into a Y.Doc (SPEC 18).
 * Keep the API key on your server: it creates sessions and reads every session's data.
 */
import * as Y from 'yjs'
import { SdkError } from './client.js'

export class SessionsApi {
  /**
   * @param {object} opts
   * @param {string} opts.server  http(s)://host:port
   * @param {string} opts.apiKey
   * @param {typeof fetch} [opts.fetch]
   */
  constructor ({ server, apiKey, fetch = globalThis.fetch }) {
    this.server = server.replace(/\/+$/, '')
    this.apiKey = apiKey
    this._fetch = (...args) => fetch(...args)
  }

  async _call (method, path, body) {
    const headers = { Authorization: `Bearer ${this.apiKey}`, Accept: 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const res = await this._fetch(this.server + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body)
    })
    const answer = await res.json().catch(() => null)
    if (!res.ok) {
      const err = answer && answer.error
      throw new SdkError(err ? err.code : 'http_error', err ? err.message : `HTTP ${res.status}`)
    }
    return answer
  }

  /** Create a session: `{interviewer: {name, email, ...}, interviewee: {...}, options}`;
   *  the answer holds a join link per participant. */
  createSession (body) {
    return this._call('POST', '/api/sessions', body)
  }

  getSession (sid) {
    return this._call('GET', `/api/sessions/${encodeURIComponent(sid)}`)
  }

  endSession (sid) {
    return this._call('POST', `/api/sessions/${encodeURIComponent(sid)}/end`)
  }

  cancelSession (sid) {
    return this._call('POST', `/api/sessions/${encodeURIComponent(sid)}/cancel`)
  }

  /** One page of a session's replay timeline: `{info, events, next}` (`next` absent on the last). */
  timelinePage (sid, after = 0) {
    return this._call('GET', `/api/sessions/${encodeURIComponent(sid)}/timeline?after=${after}`)
  }

  /** Every page of a session's timeline: `{info, events}`. */
  async timeline (sid) {
    const events = []
    let after = 0
    for (;;) {
      const page = await this.timelinePage(sid, after)
      events.push(...page.events)
      if (page.next === undefined || page.next === null) return { info: page.info, events }
      after = page.next
    }
  }
}

function base64 (u) {
  const text = Array.isArray(u) ? u.join('') : u
  const binary = atob(text)
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}

/**
 * The room's document at server time `ts` (ms; undefined: the end), rebuilt as SPEC 18.2 says:
 * the last snapshot at or before it, then the updates after that snapshot.
 */
export function docAt (events, ts) {
  const upTo = (e) => ts === undefined || e.ts <= ts
  const updates = events.filter((e) => e.k === 'update' && upTo(e))
  const last = updates.length ? updates[updates.length - 1].n : 0
  let best = null
  for (const e of events) {
    if (e.k === 'snapshot' && e.n <= last && (upTo(e) || e.n === 0) && (!best || e.n > best.n)) best = e
  }
  const doc = new Y.Doc()
  const start = best ? best.n : 0
  if (best) Y.applyUpdate(doc, base64(best.u))
  for (const e of updates) if (e.n > start) Y.applyUpdate(doc, base64(e.u))
  return doc
}
