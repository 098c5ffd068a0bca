/** Small inline SVG icons (no icon font: they must render on any machine). */
const NS = 'http://www.w3.org/2000/svg'

const SHAPES = {
  pen: [['path', { d: 'M4 20l4-1L19 8l-3-3L5 16z' }]],
  line: [['path', { d: 'M5 19L19 5' }]],
  rect: [['rect', { x: 4, y: 6, width: 16, height: 12, rx: 1 }]],
  ellipse: [['ellipse', { cx: 12, cy: 12, rx: 8, ry: 6 }]],
  arrow: [['path', { d: 'M5 19L19 5M11 5h8v8' }]],
  text: [['path', { d: 'M6 6h12M12 6v13M9 19h6' }]],
  eraser: [['path', { d: 'M4 15l8.5-8.5a2 2 0 012.8 0l3.2 3.2a2 2 0 010 2.8L13 19H8zM9 19h11M8.5 10.5l5 5' }]],
  hand: [['path', { d: 'M12 3v18M3 12h18M9 6l3-3 3 3M9 18l3 3 3-3M6 9l-3 3 3 3M18 9l3 3-3 3' }]],
  undo: [['path', { d: 'M9 13L4 8l5-5M4 8h10a6 6 0 010 12h-4' }]],
  redo: [['path', { d: 'M15 13l5-5-5-5M20 8H10a6 6 0 000 12h4' }]]
}

export function icon (name) {
  const svg = document.createElementNS(NS, 'svg')
  for (const [k, v] of Object.entries({ viewBox: '0 0 24 24', width: 18, height: 18, fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false' })) {
    svg.setAttribute(k, String(v))
  }
  for (const [tag, attrs] of SHAPES[name] || []) {
    const el = document.createElementNS(NS, tag)
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v))
    svg.append(el)
  }
  return svg
}
