/**
 * Replay model (SPEC 18): the session's timeline as one time axis, and the document at any time t.
 * Pure apart from Yjs: no DOM, no sockets; unit-tested under node.
 *
 * The document at t: the last `snapshot` with ts <= t applied to an empty Y.Doc, then every
 * `update` with a greater n and ts <= t, in n order. The `Replayer` keeps its doc while the
 * scrubber moves forward (only the next updates are applied) and restarts from a snapshot when
 * it moves back, or when a snapshot lets it skip ahead; base64 is decoded only for what is
 * applied, so opening a 45-minute interview at its end costs one applyUpdate.
 */
import * as Y from 'yjs'

/** Event kinds shown on the timeline besides the document (readers skip unknown kinds). */
export const MARK_KINDS = new Set(['chat', 'run', 'question', 'phase', 'call', 'presence'])

export function decodeBase64 (u) {
  const s = Array.isArray(u) ? u.join('') : String(u)
  if (typeof atob === 'function') {
    const bin = atob(s)
    const out = new Uint8Array(bin.length)
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
    return out
  }
  return new Uint8Array(Buffer.from(s, 'base64')) // eslint-disable-line no-undef
}

/**
 * Marks found by applying the document's history once, in order: `language` ({language}) when
 * meta.language changes from one value to another, `board` ({what: 'cleared' | 'restored', by})
 * when the whiteboard is cleared or restored (board-model.js keeps those in boardMeta).
 */
export function documentMarks (snapshots, updates) {
  const marks = []
  const doc = new Y.Doc()
  let ts = 0
  const meta = doc.getMap('meta')
  const boardMeta = doc.getMap('boardMeta')
  let language = null
  meta.observe(() => {
    const next = meta.get('language')
    if (typeof next === 'string' && language !== null && next !== language) marks.push({ k: 'language', ts, language: next })
    if (typeof next === 'string') language = next
  })
  boardMeta.observe((event) => {
    for (const key of event.keysChanged) {
      const v = boardMeta.get(key)
      if ((key === 'cleared' || key === 'restored') && v && typeof v === 'object') {
        marks.push({ k: 'board', ts, what: key, by: typeof v.by === 'string' ? v.by : '' })
      }
    }
  })
  // a snapshot that folded the earliest history stands for its state: nothing to mark in it
  const first = snapshots.find((s) => s.n <= (updates[0] ? updates[0].n - 1 : Infinity))
  try {
    if (first) {
      Y.applyUpdate(doc, decodeBase64(first.u), 'replay')
      marks.length = 0
    }
    for (const u of updates) {
      if (first && u.n <= first.n) continue
      ts = u.ts
      Y.applyUpdate(doc, decodeBase64(u.u), 'replay')
    }
  } finally {
    doc.destroy()
  }
  return marks
}

export class Timeline {
  /**
   * @param {object} info   the timeline header (SPEC 18.1)
   * @param {object[]} events  all events, in server order (pages concatenated)
   */
  constructor (info, events) {
    this.info = info || {}
    this.events = Array.isArray(events) ? events.filter((e) => e && typeof e.ts === 'number') : []
    /** updates by n (1-based): [{n, ts, u}] sorted by n */
    this.updates = this.events.filter((e) => e.k === 'update' && Number.isInteger(e.n)).sort((a, b) => a.n - b.n)
    this.snapshots = this.events.filter((e) => e.k === 'snapshot' && Number.isInteger(e.n)).sort((a, b) => a.n - b.n || a.ts - b.ts)
    /** what the scrubber marks: chat, runs, question changes, phases, calls */
    this.marks = this.events.filter((e) => MARK_KINDS.has(e.k))
    const times = this.events.map((e) => e.ts)
    this.start = times.length ? Math.min(...times) : (this.info.created_at || 0)
    this.end = times.length ? Math.max(...times) : this.start
  }

  /**
   * Add what only the document says (language switches, whiteboard clears and restores) to the
   * marks. It applies the whole history once, so the replay calls it after it has opened.
   */
  addDocumentMarks () {
    const fromDoc = documentMarks(this.snapshots, this.updates)
    if (fromDoc.length) this.marks = [...this.marks, ...fromDoc].sort((a, b) => a.ts - b.ts)
    return fromDoc.length
  }

  /** The last update index n with ts <= t (0: none yet). Updates are in time order by n. */
  lastUpdateAt (t) {
    let lo = 0
    let hi = this.updates.length - 1
    let best = 0
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (this.updates[mid].ts <= t) {
        best = this.updates[mid].n
        lo = mid + 1
      } else {
        hi = mid - 1
      }
    }
    return best
  }

  /** The best snapshot to start from for reaching update n at time t (or null). */
  snapshotFor (n, t) {
    let best = null
    for (const s of this.snapshots) {
      if (s.n <= n && s.ts <= t) best = s
    }
    return best
  }

  /** Marks (chat, runs, ...) that happened at or before t, in order. */
  marksUntil (t) {
    return this.marks.filter((e) => e.ts <= t)
  }

  /** The phase in force at t (from `phase` events; the info's phase before any). */
  phaseAt (t) {
    let phase = ''
    for (const e of this.events) if (e.k === 'phase' && e.ts <= t) phase = e.phase
    return phase
  }
}

export class Replayer {
  constructor (timeline) {
    this.timeline = timeline
    this.doc = null
    this.n = -1 // updates applied (through n); -1: no doc yet
    this.applied = 0 // applyUpdate calls, for tests and the performance check
  }

  /** The Y.Doc as it was at time t. May return a new Doc (after a restart); callers rebind. */
  seek (t) {
    const tl = this.timeline
    const target = tl.lastUpdateAt(t)
    const snap = tl.snapshotFor(target, t)
    const restart = this.doc === null || target < this.n || (snap && snap.n > this.n)
    if (restart) {
      if (this.doc) this.doc.destroy()
      this.doc = new Y.Doc()
      this.n = 0
      if (snap) {
        Y.applyUpdate(this.doc, decodeBase64(snap.u), 'replay')
        this.applied += 1
        this.n = snap.n
      }
    }
    // updates n+1 .. target (updates[] is sorted by n; n starts at 1)
    for (const u of tl.updates) {
      if (u.n <= this.n) continue
      if (u.n > target) break
      Y.applyUpdate(this.doc, decodeBase64(u.u), 'replay')
      this.applied += 1
      this.n = u.n
    }
    return this.doc
  }

  destroy () {
    if (this.doc) this.doc.destroy()
    this.doc = null
  }
}
