/**
 * A tiny DOM builder. Text always goes in as text nodes (never HTML), so names, chat messages and
 * feedback notes from the other side cannot inject markup.
 *
 *   h('button', { class: 'primary', onclick: fn, 'aria-pressed': 'false' }, 'Start')
 */
export function h (tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value)
    } else if (key === 'class') {
      el.className = value
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value)
    } else if (key === 'style' && typeof value === 'object') {
      Object.assign(el.style, value)
    } else if (key in el && typeof value !== 'string') {
      el[key] = value
    } else {
      el.setAttribute(key, value === true ? '' : String(value))
    }
  }
  append(el, children)
  return el
}

function append (el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue
    el.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
}

/** Replace all children of `el`. */
export function replaceChildren (el, ...children) {
  el.textContent = ''
  append(el, children)
  return el
}

let idCounter = 0
/** A document-unique id for label/aria wiring. */
export function uid (prefix = 'id') {
  idCounter += 1
  return `${prefix}-${idCounter}`
}

/** A colour swatch dot for a pseudonym. */
export function dot (color) {
  return h('span', { class: 'dot', style: { backgroundColor: safeColor(color) }, 'aria-hidden': 'true' })
}

/** Only #rgb / #rrggbb colours reach a style attribute. */
export function safeColor (color, fallback = '#888888') {
  return typeof color === 'string' && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(color) ? color : fallback
}
