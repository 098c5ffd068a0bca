/**
 * The candidate's calibration over their last interviews, shown after the reveal: a small chart
 * of their guess beside the interviewer's technical score, and one sentence on their tendency.
 *
 * The server sends it to the candidate only, inside their reveal's calibration:
 *   calibration.history = { points: [{ ended_at, guess, actual }, ...], tendency: string }
 * (their own numbers, oldest first; nothing about anyone else). Absent under two interviews.
 *
 * historyModel() is pure (tested under node); historyCard() builds DOM, SVG included, from text
 * nodes and attributes only, never markup.
 */
import { h } from './dom.js'

const SVG = 'http://www.w3.org/2000/svg'
const W = 320
const H = 150
const PAD = { left: 30, right: 10, top: 12, bottom: 26 }
const GUESS = '#d9822b'
const ACTUAL = '#3b6ea5'

const isScore = (v) => Number.isInteger(v) && v >= 1 && v <= 4

/** The points worth drawing (valid scores only) and the sentence, or null when fewer than 2. */
export function historyModel (history) {
  if (!history || !Array.isArray(history.points)) return null
  const points = history.points
    .filter((p) => p && isScore(p.guess) && isScore(p.actual))
    .map((p) => ({ guess: p.guess, actual: p.actual, endedAt: Number(p.ended_at) || null }))
  if (points.length < 2) return null
  const tendency = typeof history.tendency === 'string' ? history.tendency : ''
  return { points, tendency }
}

/** Pixel position of interview i (0-based, of n) and score s (1..4) in the chart. */
export function position (i, n, s) {
  const x = PAD.left + (n === 1 ? 0 : (i * (W - PAD.left - PAD.right)) / (n - 1))
  const y = PAD.top + ((4 - s) * (H - PAD.top - PAD.bottom)) / 3
  return [Math.round(x * 10) / 10, Math.round(y * 10) / 10]
}

function svg (tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag)
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)))
  return el
}

function series (points, key, color, dashed, marker) {
  const n = points.length
  const xy = points.map((p, i) => position(i, n, p[key]))
  const line = svg('polyline', {
    points: xy.map(([x, y]) => `${x},${y}`).join(' '),
    fill: 'none',
    stroke: color,
    'stroke-width': 2,
    'stroke-dasharray': dashed ? '5 4' : 'none'
  })
  const marks = xy.map(([x, y]) => marker === 'square'
    ? svg('rect', { x: x - 3.5, y: y - 3.5, width: 7, height: 7, fill: color })
    : svg('circle', { cx: x, cy: y, r: 4, fill: color }))
  return svg('g', { class: `series ${key}` }, line, ...marks)
}

function chart (points) {
  const n = points.length
  const grid = [1, 2, 3, 4].map((s) => {
    const [, y] = position(0, n, s)
    return svg('g', {},
      svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y, y2: y, stroke: '#e2e2e2' }),
      svg('text', { x: PAD.left - 8, y: y + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#555' }, s))
  })
  const [x0] = position(0, n, 1)
  const [x1] = position(n - 1, n, 1)
  return svg('svg', {
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: 'img',
    'aria-label': `Your guess and the interviewer's score over your last ${n} interviews`
  },
  ...grid,
  svg('text', { x: x0, y: H - 6, 'font-size': 11, fill: '#555' }, 'earlier'),
  svg('text', { x: x1, y: H - 6, 'font-size': 11, fill: '#555', 'text-anchor': 'end' }, 'latest'),
  series(points, 'actual', ACTUAL, false, 'circle'),
  series(points, 'guess', GUESS, true, 'square'))
}

/** A card with the chart and the sentence, or null when there is no history to show. */
export function historyCard (history) {
  const model = historyModel(history)
  if (!model) return null
  const key = (color, label, dashed) => h('span', { class: 'history-key' },
    h('span', { style: { display: 'inline-block', width: '18px', borderTop: `3px ${dashed ? 'dashed' : 'solid'} ${color}`, verticalAlign: 'middle', marginRight: '6px' } }),
    label)
  return h('section', { class: 'history', 'aria-labelledby': 'history-title', dataset: { points: String(model.points.length) } },
    h('h4', { id: 'history-title' }, `Your last ${model.points.length} interviews`),
    chart(model.points),
    h('p', { class: 'history-keys' }, key(GUESS, 'your guess', true), ' ', key(ACTUAL, 'interviewer\'s score', false)),
    model.tendency ? h('p', { class: 'history-tendency' }, model.tendency) : null)
}
