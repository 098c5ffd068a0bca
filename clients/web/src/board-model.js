/**
 * The whiteboard's data model over the room document's `board` Y.Map, and its geometry.
 * Pure (no DOM): unit-tested under node with real Y.Docs.
 *
 * board: Y.Map<id, Y.Map> — one Y.Map per element, keyed by a unique id:
 *   type   'pen' | 'line' | 'rect' | 'ellipse' | 'arrow' | 'text'
 *   x, y   origin in board coordinates (top-left for rect/ellipse/text, start point otherwise)
 *   points flat [x0, y0, x1, y1, ...] relative to (x, y)  (pen, line, arrow)
 *   w, h   size (rect, ellipse, text: h is also the text's font size)
 *   color  '#rrggbb';  width: stroke width;  text: the text (text elements);  z: draw order
 *
 * Every local change runs in a transaction with the given origin so a Y.UndoManager that tracks
 * only that origin gives per-user undo/redo.
 */
import * as Y from 'yjs'

export const SHAPE_TYPES = ['pen', 'line', 'rect', 'ellipse', 'arrow', 'text']
export const TYPE_LABELS = {
  pen: 'freehand stroke',
  line: 'line',
  rect: 'rectangle',
  ellipse: 'ellipse',
  arrow: 'arrow',
  text: 'text'
}

const num = (v, fallback = 0) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback)
const COLOR_RE = /^#[0-9a-f]{6}$/i

/** A plain, defaulted snapshot of one element (remote data is never trusted to be complete). */
export function readElement (id, ymap) {
  const get = (k) => (ymap instanceof Y.Map ? ymap.get(k) : ymap[k])
  const type = get('type')
  if (!SHAPE_TYPES.includes(type)) return null
  const pointsRaw = get('points')
  const points = Array.isArray(pointsRaw) ? pointsRaw.map((v) => num(v)) : []
  if (points.length % 2 === 1) points.pop()
  const color = get('color')
  return {
    id,
    type,
    x: num(get('x')),
    y: num(get('y')),
    points,
    w: num(get('w')),
    h: num(get('h')),
    color: typeof color === 'string' && COLOR_RE.test(color) ? color : '#1f2937',
    width: Math.min(64, Math.max(0.5, num(get('width'), 2))),
    text: typeof get('text') === 'string' ? get('text') : '',
    z: num(get('z'))
  }
}

/** All valid elements in draw order (z, then id for a stable order everywhere). */
export function listElements (board) {
  const out = []
  board.forEach((value, id) => {
    if (!(value instanceof Y.Map)) return
    const el = readElement(id, value)
    if (el) out.push(el)
  })
  out.sort((a, b) => a.z - b.z || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  return out
}

export function maxZ (board) {
  let z = 0
  board.forEach((value) => {
    if (value instanceof Y.Map) z = Math.max(z, num(value.get('z')))
  })
  return z
}

let idCounter = 0
/** A unique element id: the doc's client id, a time stamp and a counter. */
export function newElementId (doc) {
  idCounter += 1
  return `${doc.clientID.toString(36)}-${Date.now().toString(36)}-${idCounter.toString(36)}`
}

/** Add an element (fields as above, z assigned on top); returns its id. */
export function addElement (doc, board, props, origin) {
  const id = newElementId(doc)
  doc.transact(() => {
    const el = new Y.Map()
    const full = {
      type: props.type,
      x: props.x,
      y: props.y,
      points: props.points || [],
      w: props.w || 0,
      h: props.h || 0,
      color: props.color,
      width: props.width,
      text: props.text || '',
      z: maxZ(board) + 1
    }
    for (const [k, v] of Object.entries(full)) el.set(k, v)
    board.set(id, el)
  }, origin)
  return id
}

export function deleteElements (doc, board, ids, origin) {
  if (ids.length === 0) return
  doc.transact(() => {
    for (const id of ids) board.delete(id)
  }, origin)
}

/**
 * Clear the board for everyone, keeping what was on it in the shared map `boardMeta` under
 * `cleared` ({by, at, items: [[id, fields]]}), so that either participant can restore it.
 */
export function clearBoard (doc, board, origin, by = '', now = Date.now()) {
  const items = []
  board.forEach((value, id) => {
    if (value instanceof Y.Map) items.push([id, value.toJSON()])
  })
  if (!items.length) return
  doc.transact(() => {
    for (const [id] of items) board.delete(id)
    doc.getMap('boardMeta').set('cleared', { by: String(by), at: now, items })
  }, origin)
}

/** The last clear that can still be restored: {by, at, count} or null. */
export function lastClear (doc) {
  const c = doc.getMap('boardMeta').get('cleared')
  if (!c || typeof c !== 'object' || !Array.isArray(c.items) || !c.items.length) return null
  return { by: typeof c.by === 'string' ? c.by : '', at: typeof c.at === 'number' ? c.at : 0, count: c.items.length }
}

/** Put the cleared elements back (those whose id is free), for whoever asks; true if any. */
export function restoreBoard (doc, board, origin, by = '', now = Date.now()) {
  const meta = doc.getMap('boardMeta')
  const c = meta.get('cleared')
  if (!c || !Array.isArray(c.items)) return false
  doc.transact(() => {
    for (const item of c.items) {
      if (!Array.isArray(item) || typeof item[0] !== 'string' || board.has(item[0])) continue
      const fields = item[1]
      if (!fields || typeof fields !== 'object') continue
      const el = new Y.Map()
      for (const [k, v] of Object.entries(fields)) el.set(k, v)
      board.set(item[0], el)
    }
    meta.delete('cleared')
    meta.set('restored', { by: String(by), at: now })
  }, origin)
  return true
}

const round = (v) => Math.round(v * 100) / 100

/**
 * The element a drag from `a` to `b` draws with a shape tool (line, rect, ellipse, arrow),
 * or null when the drag is too small to mean anything.
 */
export function shapeFromDrag (type, a, b, style) {
  const dx = b.x - a.x
  const dy = b.y - a.y
  if (Math.hypot(dx, dy) < 2) return null
  if (type === 'line' || type === 'arrow') {
    return { type, x: round(a.x), y: round(a.y), points: [0, 0, round(dx), round(dy)], w: 0, h: 0, ...style }
  }
  if (type === 'rect' || type === 'ellipse') {
    return {
      type,
      x: round(Math.min(a.x, b.x)),
      y: round(Math.min(a.y, b.y)),
      points: [],
      w: round(Math.abs(dx)),
      h: round(Math.abs(dy)),
      ...style
    }
  }
  throw new Error(`not a drag shape: ${type}`)
}

/** A pen stroke from absolute points [{x, y}, ...]; null for an empty stroke. */
export function strokeFromPoints (pts, style) {
  if (pts.length === 0) return null
  const x0 = pts[0].x
  const y0 = pts[0].y
  const points = []
  for (const p of pts) points.push(round(p.x - x0), round(p.y - y0))
  if (points.length === 2) points.push(0.01, 0.01) // a dot is a tiny segment
  return { type: 'pen', x: round(x0), y: round(y0), points, w: 0, h: 0, ...style }
}

/** A default-sized shape centred on `c` — how the keyboard draws (Enter on the canvas). */
export function shapeAt (type, c, style) {
  const w = 160
  const hgt = 100
  if (type === 'line' || type === 'arrow') {
    return shapeFromDrag(type, { x: c.x - w / 2, y: c.y }, { x: c.x + w / 2, y: c.y }, style)
  }
  if (type === 'pen') {
    const pts = []
    for (let i = 0; i <= 16; i++) pts.push({ x: c.x - w / 2 + (i * w) / 16, y: c.y + Math.sin(i / 2.5) * 20 })
    return strokeFromPoints(pts, style)
  }
  return shapeFromDrag(type, { x: c.x - w / 2, y: c.y - hgt / 2 }, { x: c.x + w / 2, y: c.y + hgt / 2 }, style)
}

/** Absolute bounding box {x, y, w, h} of an element. */
export function bounds (el) {
  if (el.type === 'pen' || el.type === 'line' || el.type === 'arrow') {
    let minX = Infinity
    let minY = Infinity
    let maxX = -Infinity
    let maxY = -Infinity
    for (let i = 0; i < el.points.length; i += 2) {
      minX = Math.min(minX, el.points[i])
      maxX = Math.max(maxX, el.points[i])
      minY = Math.min(minY, el.points[i + 1])
      maxY = Math.max(maxY, el.points[i + 1])
    }
    if (minX === Infinity) return { x: el.x, y: el.y, w: 0, h: 0 }
    return { x: el.x + minX, y: el.y + minY, w: maxX - minX, h: maxY - minY }
  }
  return { x: el.x, y: el.y, w: el.w, h: el.h }
}

function distToSegment (p, ax, ay, bx, by) {
  const dx = bx - ax
  const dy = by - ay
  const len2 = dx * dx + dy * dy
  let t = len2 === 0 ? 0 : ((p.x - ax) * dx + (p.y - ay) * dy) / len2
  t = Math.max(0, Math.min(1, t))
  return Math.hypot(p.x - (ax + t * dx), p.y - (ay + t * dy))
}

/** Does point `p` (board coordinates) touch element `el`, within `tol` board units? */
export function hitTest (el, p, tol) {
  const reach = tol + el.width / 2
  switch (el.type) {
    case 'pen':
    case 'line':
    case 'arrow': {
      const pts = el.points
      if (pts.length === 2) return Math.hypot(p.x - el.x - pts[0], p.y - el.y - pts[1]) <= reach
      for (let i = 0; i + 3 < pts.length; i += 2) {
        if (distToSegment(p, el.x + pts[i], el.y + pts[i + 1], el.x + pts[i + 2], el.y + pts[i + 3]) <= reach) return true
      }
      return false
    }
    case 'rect':
    case 'text':
      return p.x >= el.x - reach && p.x <= el.x + el.w + reach && p.y >= el.y - reach && p.y <= el.y + el.h + reach
    case 'ellipse': {
      const rx = el.w / 2 + reach
      const ry = el.h / 2 + reach
      if (rx <= 0 || ry <= 0) return false
      const nx = (p.x - (el.x + el.w / 2)) / rx
      const ny = (p.y - (el.y + el.h / 2)) / ry
      return nx * nx + ny * ny <= 1
    }
    default:
      return false
  }
}

/** Ids of the elements under `p`, topmost first. */
export function elementsAt (board, p, tol) {
  return listElements(board).filter((el) => hitTest(el, p, tol)).reverse().map((el) => el.id)
}

/** A plain-language description of an element, for the screen-reader list. */
export function describe (el) {
  const label = TYPE_LABELS[el.type]
  const b = bounds(el)
  const at = `at ${Math.round(b.x)}, ${Math.round(b.y)}`
  if (el.type === 'text') return `text "${el.text}" ${at}`
  if (el.type === 'rect' || el.type === 'ellipse') return `${label} ${Math.round(el.w)} by ${Math.round(el.h)} ${at}`
  return `${label} ${at}`
}

/**
 * Screen <-> board transform: screen = (board - origin) * scale.
 * Pan moves the origin; zoom keeps the board point under the cursor fixed.
 */
export class Viewport {
  constructor () {
    this.ox = 0
    this.oy = 0
    this.scale = 1
  }

  toBoard (sx, sy) {
    return { x: sx / this.scale + this.ox, y: sy / this.scale + this.oy }
  }

  toScreen (bx, by) {
    return { x: (bx - this.ox) * this.scale, y: (by - this.oy) * this.scale }
  }

  /** Pan by a screen-space delta (drag right => content moves right). */
  panBy (dsx, dsy) {
    this.ox -= dsx / this.scale
    this.oy -= dsy / this.scale
  }

  zoomAt (sx, sy, factor) {
    const before = this.toBoard(sx, sy)
    this.scale = Math.min(8, Math.max(0.125, this.scale * factor))
    this.ox = before.x - sx / this.scale
    this.oy = before.y - sy / this.scale
  }

  reset () {
    this.ox = 0
    this.oy = 0
    this.scale = 1
  }

  /** Show the box {x, y, w, h} whole and centred in a w x h screen, never zoomed in past 100%. */
  fitTo (box, w, h, pad = 24) {
    if (!(w > 0 && h > 0)) return
    const bw = box.w + 2 * pad
    const bh = box.h + 2 * pad
    this.scale = Math.min(1, Math.max(0.125, Math.min(w / bw, h / bh)))
    this.ox = box.x - pad - (w / this.scale - bw) / 2
    this.oy = box.y - pad - (h / this.scale - bh) / 2
  }
}
