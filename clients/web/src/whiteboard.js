/**
 * The shared whiteboard: a canvas bound to the room document's `board` map (see board-model.js).
 * Tools: pen, line, rectangle, ellipse, arrow, text, eraser, hand (pan). Colours and stroke
 * widths; per-user undo/redo (a Y.UndoManager scoped to the board that tracks only this client's
 * transactions); clear; pan and zoom (wheel, ctrl+wheel, buttons, keyboard); remote pointers from
 * awareness (`pointer` {x, y} in board coordinates). Everything is reachable from the keyboard:
 * tool shortcuts, Enter draws the current shape in the middle of the view, arrows pan, +/- zoom.
 * A visually hidden list mirrors the board's content for screen readers.
 */
import * as Y from 'yjs'
import { h, uid, safeColor } from './dom.js'
import { icon } from './icons.js'
import {
  listElements, addElement, deleteElements, clearBoard, lastClear, restoreBoard, shapeFromDrag, strokeFromPoints, shapeAt,
  elementsAt, describe, bounds, Viewport
} from './board-model.js'

export const COLORS = [
  { value: '#1f2937', name: 'Black' },
  { value: '#dc2626', name: 'Red' },
  { value: '#ea580c', name: 'Orange' },
  { value: '#16a34a', name: 'Green' },
  { value: '#2563eb', name: 'Blue' },
  { value: '#9333ea', name: 'Purple' }
]
export const WIDTHS = [{ value: 2, name: 'Thin' }, { value: 4, name: 'Medium' }, { value: 8, name: 'Thick' }]

const TOOLS = [
  { id: 'pen', label: 'Pen', key: 'p' },
  { id: 'line', label: 'Line', key: 'l' },
  { id: 'rect', label: 'Rectangle', key: 'r' },
  { id: 'ellipse', label: 'Ellipse', key: 'o' },
  { id: 'arrow', label: 'Arrow', key: 'a' },
  { id: 'text', label: 'Text', key: 't' },
  { id: 'eraser', label: 'Eraser', key: 'e' },
  { id: 'hand', label: 'Pan', key: 'h' }
]
const DRAW_TOOLS = new Set(['pen', 'line', 'rect', 'ellipse', 'arrow', 'text', 'eraser'])
const TEXT_SIZE = 20
const POINTER_INTERVAL_MS = 60

/**
 * onClear({what: 'cleared' | 'restored', by, local}) is told of a clear or a restore made while
 * the page was open (live() true), by this tab (local) or by the other participant.
 */
export function createWhiteboard (parent, { doc, awareness, live = () => true, onClear = () => {} }) {
  const board = doc.getMap('board')
  const boardMeta = doc.getMap('boardMeta')
  const origin = { whiteboard: doc.clientID } // this client's transactions, for per-user undo
  const undoManager = new Y.UndoManager(board, { trackedOrigins: new Set([origin]), captureTimeout: 0 })
  const vp = new Viewport()
  let tool = 'pen'
  let color = COLORS[0].value
  let width = WIDTHS[0].value
  let readOnly = false
  let drag = null // current gesture
  let spaceDown = false
  let dirty = false
  let size = { w: 0, h: 0, dpr: 1 }

  // ---------------------------------------------------------------- DOM
  const toolButtons = new Map()
  const colorButtons = new Map()
  const canvas = h('canvas', {
    class: 'board-canvas',
    tabindex: '0',
    role: 'img',
    'aria-roledescription': 'whiteboard',
    'aria-label': 'Whiteboard. Keys: P pen, L line, R rectangle, O ellipse, A arrow, T text, E eraser, H pan; Enter draws the current shape in the middle; arrows pan; plus and minus zoom; Ctrl+Z undo.'
  })
  const textInput = h('input', { class: 'board-text-input', type: 'text', 'aria-label': 'Text to place on the whiteboard', hidden: true })
  const listId = uid('board-list')
  const list = h('ul', { class: 'board-list', id: listId })
  const zoomLabel = h('output', { class: 'zoom-label', 'aria-live': 'polite' }, '100%')
  const undoBtn = h('button', { type: 'button', class: 'tool', title: 'Undo (Ctrl+Z)', 'aria-label': 'Undo', onclick: () => undo() }, icon('undo'))
  const redoBtn = h('button', { type: 'button', class: 'tool', title: 'Redo (Ctrl+Shift+Z)', 'aria-label': 'Redo', onclick: () => redo() }, icon('redo'))
  const clearBtn = h('button', { type: 'button', class: 'tool text-tool', onclick: () => clear() }, 'Clear')
  // Clear empties the board for both of you: asked first, and undone by either with Restore.
  const clearDialog = h('dialog', { class: 'confirm', 'aria-label': 'Clear the whiteboard?' },
    h('form', { method: 'dialog' },
      h('h2', {}, 'Clear the whiteboard?'),
      h('p', {}, 'Everything on it disappears for both of you. Either of you can restore it afterwards.'),
      h('div', { class: 'actions' },
        h('button', { value: 'cancel', type: 'submit' }, 'Keep it'),
        h('button', { value: 'clear', type: 'submit', class: 'danger' }, 'Clear the whiteboard'))))
  clearDialog.addEventListener('close', () => {
    if (clearDialog.returnValue === 'clear' && !readOnly) clearBoard(doc, board, origin, myName())
  })
  const restoreBtn = h('button', { type: 'button', class: 'link', onclick: () => restore() }, 'Restore it')
  const clearedText = h('span', {})
  const clearedBar = h('div', { class: 'board-cleared', role: 'status', hidden: true }, clearedText, ' ', restoreBtn)
  const widthSelect = h('select', { 'aria-label': 'Stroke width', class: 'width-select', onchange: (e) => { width = Number(e.target.value) } },
    WIDTHS.map((w) => h('option', { value: String(w.value) }, w.name)))

  const toolbar = h('div', { class: 'board-toolbar', role: 'toolbar', 'aria-label': 'Whiteboard tools' },
    h('div', { class: 'tool-group', role: 'group', 'aria-label': 'Tools' }, TOOLS.map((t) => {
      const b = h('button', {
        type: 'button',
        class: 'tool',
        title: `${t.label} (${t.key.toUpperCase()})`,
        'aria-label': t.label,
        'aria-pressed': 'false',
        dataset: { tool: t.id },
        onclick: () => setTool(t.id)
      }, icon(t.id))
      toolButtons.set(t.id, b)
      return b
    })),
    h('div', { class: 'tool-group', role: 'group', 'aria-label': 'Colour' }, COLORS.map((c) => {
      const b = h('button', {
        type: 'button',
        class: 'swatch',
        title: c.name,
        'aria-label': c.name,
        'aria-pressed': 'false',
        style: { backgroundColor: c.value },
        onclick: () => setColor(c.value)
      })
      colorButtons.set(c.value, b)
      return b
    })),
    widthSelect,
    h('div', { class: 'tool-group', role: 'group', 'aria-label': 'History' }, undoBtn, redoBtn, clearBtn),
    h('div', { class: 'tool-group', role: 'group', 'aria-label': 'Zoom' },
      h('button', { type: 'button', class: 'tool', 'aria-label': 'Zoom out', title: 'Zoom out (-)', onclick: () => zoomCentre(1 / 1.25) }, '−'),
      zoomLabel,
      h('button', { type: 'button', class: 'tool', 'aria-label': 'Zoom in', title: 'Zoom in (+)', onclick: () => zoomCentre(1.25) }, '+'),
      h('button', { type: 'button', class: 'tool text-tool', 'aria-label': 'Fit: show everything', title: 'Fit everything in view (0)', onclick: () => fit() }, 'Fit'))
  )
  const stage = h('div', { class: 'board-stage' }, canvas, textInput)
  const root = h('section', { class: 'board-pane', 'aria-label': 'Whiteboard' },
    toolbar, clearedBar, stage, clearDialog,
    h('div', { class: 'sr-only' }, h('h3', {}, 'Whiteboard contents'), list))
  canvas.setAttribute('aria-describedby', listId)
  parent.append(root)
  let ctx = canvas.getContext('2d') // swapped for an offscreen one while exporting

  // ---------------------------------------------------------------- state setters
  function setTool (id) {
    tool = id
    for (const [tid, b] of toolButtons) b.setAttribute('aria-pressed', String(tid === id))
    canvas.dataset.tool = id
    cancelGesture()
  }

  function setColor (value) {
    color = value
    for (const [c, b] of colorButtons) b.setAttribute('aria-pressed', String(c === value))
    if (!textInput.hidden) textInput.style.color = value
  }

  function style () {
    return { color, width }
  }

  function setReadOnly (value) {
    readOnly = value
    for (const [tid, b] of toolButtons) b.disabled = value && DRAW_TOOLS.has(tid)
    undoBtn.disabled = value
    redoBtn.disabled = value
    clearBtn.disabled = value
    renderCleared()
    if (value) {
      cancelGesture()
      setTool('hand')
    }
    updateHistoryButtons()
  }

  function updateHistoryButtons () {
    if (readOnly) return
    undoBtn.disabled = undoManager.undoStack.length === 0
    redoBtn.disabled = undoManager.redoStack.length === 0
    clearBtn.disabled = board.size === 0
  }

  // ---------------------------------------------------------------- edits
  function add (props) {
    if (!props || readOnly) return null
    return addElement(doc, board, props, origin)
  }

  function undo () {
    if (!readOnly) undoManager.undo()
  }

  function redo () {
    if (!readOnly) undoManager.redo()
  }

  function myName () {
    const st = awareness.getLocalState()
    return st && st.user && typeof st.user.name === 'string' ? st.user.name : ''
  }

  function clear () {
    if (readOnly || board.size === 0) return
    clearDialog.returnValue = ''
    clearDialog.showModal()
  }

  function restore () {
    if (!readOnly) restoreBoard(doc, board, origin, myName())
  }

  function renderCleared () {
    const c = lastClear(doc)
    clearedBar.hidden = !c || board.size > 0
    if (!c) return
    const mine = c.by && c.by === myName()
    clearedText.textContent = `${mine ? 'You' : c.by || 'Someone'} cleared the whiteboard (${c.count} element${c.count === 1 ? '' : 's'}).`
    restoreBtn.hidden = readOnly
  }

  const onMeta = (event) => {
    renderCleared()
    if (!live()) return
    const local = Boolean(event.transaction && event.transaction.local)
    for (const key of event.keysChanged) {
      const value = boardMeta.get(key)
      if (key === 'cleared' && value) onClear({ what: 'cleared', by: String(value.by || ''), local })
      if (key === 'restored' && value) onClear({ what: 'restored', by: String(value.by || ''), local })
    }
  }
  boardMeta.observe(onMeta)

  // ---------------------------------------------------------------- view
  function viewChanged () {
    zoomLabel.textContent = `${Math.round(vp.scale * 100)}%`
    schedule()
  }

  function zoomCentre (factor) {
    vp.zoomAt(size.w / 2, size.h / 2, factor)
    viewChanged()
  }

  function centre () {
    return vp.toBoard(size.w / 2, size.h / 2)
  }

  function schedule () {
    if (dirty) return
    dirty = true
    requestAnimationFrame(render)
  }

  /** Fit every element into view (the reset view when the board is empty). */
  function fit () {
    const els = listElements(board)
    if (!els.length || !size.w) vp.reset()
    else {
      const boxes = els.map(bounds)
      const x = Math.min(...boxes.map((b) => b.x))
      const y = Math.min(...boxes.map((b) => b.y))
      const w = Math.max(...boxes.map((b) => b.x + b.w)) - x
      const hh = Math.max(...boxes.map((b) => b.y + b.h)) - y
      vp.fitTo({ x, y, w, h: hh }, size.w, size.h)
    }
    viewChanged()
  }

  function resize () {
    const rect = stage.getBoundingClientRect()
    const dpr = window.devicePixelRatio || 1
    size = { w: rect.width, h: rect.height, dpr }
    canvas.width = Math.max(1, Math.round(rect.width * dpr))
    canvas.height = Math.max(1, Math.round(rect.height * dpr))
    canvas.style.width = `${rect.width}px`
    canvas.style.height = `${rect.height}px`
    schedule()
  }
  const ro = new ResizeObserver(resize)
  ro.observe(stage)

  function drawElement (el, faded = false) {
    ctx.save()
    ctx.globalAlpha = faded ? 0.25 : 1
    ctx.strokeStyle = el.color
    ctx.fillStyle = el.color
    ctx.lineWidth = el.width
    ctx.lineCap = 'round'
    ctx.lineJoin = 'round'
    ctx.beginPath()
    switch (el.type) {
      case 'pen':
      case 'line':
      case 'arrow': {
        const p = el.points
        ctx.moveTo(el.x + p[0], el.y + p[1])
        for (let i = 2; i + 1 < p.length; i += 2) ctx.lineTo(el.x + p[i], el.y + p[i + 1])
        ctx.stroke()
        if (el.type === 'arrow' && p.length >= 4) {
          const n = p.length
          const ex = el.x + p[n - 2]
          const ey = el.y + p[n - 1]
          const angle = Math.atan2(p[n - 1] - p[n - 3], p[n - 2] - p[n - 4])
          const len = Math.max(10, el.width * 4)
          ctx.beginPath()
          ctx.moveTo(ex, ey)
          ctx.lineTo(ex - len * Math.cos(angle - 0.45), ey - len * Math.sin(angle - 0.45))
          ctx.moveTo(ex, ey)
          ctx.lineTo(ex - len * Math.cos(angle + 0.45), ey - len * Math.sin(angle + 0.45))
          ctx.stroke()
        }
        break
      }
      case 'rect':
        ctx.strokeRect(el.x, el.y, el.w, el.h)
        break
      case 'ellipse':
        ctx.ellipse(el.x + el.w / 2, el.y + el.h / 2, Math.max(0.1, el.w / 2), Math.max(0.1, el.h / 2), 0, 0, Math.PI * 2)
        ctx.stroke()
        break
      case 'text':
        ctx.font = `${Math.max(4, el.h)}px system-ui, sans-serif`
        ctx.textBaseline = 'top'
        ctx.fillText(el.text, el.x, el.y)
        break
    }
    ctx.restore()
  }

  function drawGrid () {
    const step = 40 * vp.scale
    if (step < 8) return
    const offX = -((vp.ox * vp.scale) % step)
    const offY = -((vp.oy * vp.scale) % step)
    ctx.fillStyle = '#d6dbe3'
    for (let x = offX; x < size.w; x += step) {
      for (let y = offY; y < size.h; y += step) ctx.fillRect(x - 1, y - 1, 2, 2)
    }
  }

  function drawPointers () {
    for (const [clientId, state] of awareness.getStates()) {
      if (clientId === doc.clientID || !state || !state.pointer) continue
      const { x, y } = state.pointer
      if (typeof x !== 'number' || typeof y !== 'number') continue
      const s = vp.toScreen(x, y)
      if (s.x < -20 || s.y < -20 || s.x > size.w + 20 || s.y > size.h + 20) continue
      const user = state.user || {}
      const c = safeColor(user.color, '#6b7280')
      ctx.save()
      ctx.fillStyle = c
      ctx.strokeStyle = '#ffffff'
      ctx.lineWidth = 1.5
      ctx.beginPath()
      ctx.moveTo(s.x, s.y)
      ctx.lineTo(s.x + 4, s.y + 15)
      ctx.lineTo(s.x + 7.5, s.y + 9)
      ctx.lineTo(s.x + 14, s.y + 8)
      ctx.closePath()
      ctx.fill()
      ctx.stroke()
      const name = typeof user.name === 'string' ? user.name.slice(0, 40) : 'Guest'
      ctx.font = '12px system-ui, sans-serif'
      const tw = ctx.measureText(name).width
      ctx.fillRect(s.x + 12, s.y + 14, tw + 10, 18)
      ctx.fillStyle = '#ffffff'
      ctx.textBaseline = 'middle'
      ctx.fillText(name, s.x + 17, s.y + 23)
      ctx.restore()
    }
  }

  function render () {
    dirty = false
    if (size.w === 0 || size.h === 0) return
    ctx.setTransform(size.dpr, 0, 0, size.dpr, 0, 0)
    ctx.fillStyle = '#ffffff'
    ctx.fillRect(0, 0, size.w, size.h)
    drawGrid()
    ctx.save()
    ctx.scale(vp.scale, vp.scale)
    ctx.translate(-vp.ox, -vp.oy)
    const erasing = drag && drag.kind === 'erase' ? drag.ids : null
    for (const el of listElements(board)) drawElement(el, erasing ? erasing.has(el.id) : false)
    if (drag && drag.preview) drawElement({ ...drag.preview, points: drag.preview.points || [], text: '', z: 0, id: '' })
    ctx.restore()
    drawPointers()
  }

  function updateList () {
    const items = listElements(board).map((el) => h('li', { dataset: { type: el.type, id: el.id } }, describe(el)))
    list.replaceChildren(...(items.length ? items : [h('li', {}, 'The whiteboard is empty.')]))
  }

  // ---------------------------------------------------------------- gestures
  function eventPoint (e) {
    const rect = canvas.getBoundingClientRect()
    return { sx: e.clientX - rect.left, sy: e.clientY - rect.top }
  }

  function cancelGesture () {
    if (drag && drag.pointerId !== undefined && canvas.hasPointerCapture(drag.pointerId)) {
      canvas.releasePointerCapture(drag.pointerId)
    }
    drag = null
    schedule()
  }

  let pointerTimer = null
  let lastPointerSent = 0
  let pendingPointer
  function sendPointer (p) {
    pendingPointer = p
    const now = performance.now()
    const flush = () => {
      pointerTimer = null
      lastPointerSent = performance.now()
      awareness.setLocalStateField('pointer', pendingPointer)
    }
    if (now - lastPointerSent >= POINTER_INTERVAL_MS) flush()
    else if (!pointerTimer) pointerTimer = setTimeout(flush, POINTER_INTERVAL_MS - (now - lastPointerSent))
  }

  canvas.addEventListener('pointerdown', (e) => {
    if (!textInput.hidden) commitText()
    canvas.focus()
    const { sx, sy } = eventPoint(e)
    const p = vp.toBoard(sx, sy)
    const pan = e.button === 1 || tool === 'hand' || spaceDown || readOnly
    if (e.button !== 0 && !pan) return
    e.preventDefault()
    canvas.setPointerCapture(e.pointerId)
    if (pan) {
      drag = { kind: 'pan', pointerId: e.pointerId, sx, sy }
      canvas.classList.add('panning')
      return
    }
    switch (tool) {
      case 'pen':
        drag = { kind: 'pen', pointerId: e.pointerId, pts: [p] }
        drag.preview = strokeFromPoints(drag.pts, style())
        break
      case 'line':
      case 'rect':
      case 'ellipse':
      case 'arrow':
        drag = { kind: 'shape', pointerId: e.pointerId, start: p, preview: null }
        break
      case 'eraser':
        drag = { kind: 'erase', pointerId: e.pointerId, ids: new Set() }
        eraseAt(p)
        break
      case 'text':
        drag = null
        openText(p)
        break
    }
    schedule()
  })

  canvas.addEventListener('pointermove', (e) => {
    const { sx, sy } = eventPoint(e)
    const p = vp.toBoard(sx, sy)
    sendPointer({ x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 })
    if (!drag || drag.pointerId !== e.pointerId) return
    if (drag.kind === 'pan') {
      vp.panBy(sx - drag.sx, sy - drag.sy)
      drag.sx = sx
      drag.sy = sy
      viewChanged()
    } else if (drag.kind === 'pen') {
      const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : []
      for (const ce of events.length ? events : [e]) {
        const q = eventPoint(ce)
        drag.pts.push(vp.toBoard(q.sx, q.sy))
      }
      drag.preview = strokeFromPoints(drag.pts, style())
      schedule()
    } else if (drag.kind === 'shape') {
      drag.preview = shapeFromDrag(tool, drag.start, p, style())
      schedule()
    } else if (drag.kind === 'erase') {
      eraseAt(p)
    }
  })

  function endGesture (e, commit) {
    if (!drag || drag.pointerId !== e.pointerId) return
    const g = drag
    drag = null
    canvas.classList.remove('panning')
    if (canvas.hasPointerCapture(e.pointerId)) canvas.releasePointerCapture(e.pointerId)
    if (commit) {
      if (g.kind === 'pen') add(strokeFromPoints(g.pts, style()))
      else if (g.kind === 'shape') add(g.preview)
      else if (g.kind === 'erase') deleteElements(doc, board, [...g.ids], origin)
    }
    schedule()
  }
  canvas.addEventListener('pointerup', (e) => endGesture(e, true))
  canvas.addEventListener('pointercancel', (e) => endGesture(e, false))
  canvas.addEventListener('pointerleave', () => {
    clearTimeout(pointerTimer)
    pointerTimer = null
    awareness.setLocalStateField('pointer', null)
  })

  function eraseAt (p) {
    for (const id of elementsAt(board, p, 6 / vp.scale)) drag.ids.add(id)
    schedule()
  }

  canvas.addEventListener('wheel', (e) => {
    e.preventDefault()
    const { sx, sy } = eventPoint(e)
    if (e.ctrlKey || e.metaKey) {
      vp.zoomAt(sx, sy, Math.exp(-e.deltaY * 0.01))
    } else {
      vp.panBy(-e.deltaX, -e.deltaY)
    }
    viewChanged()
  }, { passive: false })

  // ---------------------------------------------------------------- text
  let textAt = null
  function openText (p) {
    if (readOnly) return
    textAt = p
    const s = vp.toScreen(p.x, p.y)
    textInput.hidden = false
    textInput.value = ''
    Object.assign(textInput.style, {
      left: `${s.x}px`,
      top: `${s.y}px`,
      fontSize: `${TEXT_SIZE * vp.scale}px`,
      color
    })
    textInput.focus()
  }

  function commitText () {
    const text = textInput.value.trim()
    const at = textAt
    textInput.hidden = true
    textInput.value = ''
    textAt = null
    if (!text || !at) return
    ctx.save()
    ctx.font = `${TEXT_SIZE}px system-ui, sans-serif`
    const w = Math.ceil(ctx.measureText(text).width)
    ctx.restore()
    add({ type: 'text', x: Math.round(at.x), y: Math.round(at.y), points: [], w, h: TEXT_SIZE, text, ...style() })
  }

  textInput.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault()
      commitText()
      canvas.focus()
    } else if (e.key === 'Escape') {
      e.preventDefault()
      textInput.hidden = true
      textAt = null
      canvas.focus()
    }
  })
  textInput.addEventListener('blur', () => {
    if (!textInput.hidden) commitText()
  })

  // ---------------------------------------------------------------- keyboard
  canvas.addEventListener('keydown', (e) => {
    const mod = e.ctrlKey || e.metaKey
    const key = e.key.toLowerCase()
    if (mod && key === 'z') {
      e.preventDefault()
      if (e.shiftKey) redo()
      else undo()
      return
    }
    if (mod && key === 'y') {
      e.preventDefault()
      redo()
      return
    }
    if (mod || e.altKey) return
    const t = TOOLS.find((x) => x.key === key)
    if (t && !(readOnly && DRAW_TOOLS.has(t.id))) {
      e.preventDefault()
      setTool(t.id)
      return
    }
    const PAN = 60
    switch (e.key) {
      case 'ArrowLeft': vp.panBy(PAN, 0); break
      case 'ArrowRight': vp.panBy(-PAN, 0); break
      case 'ArrowUp': vp.panBy(0, PAN); break
      case 'ArrowDown': vp.panBy(0, -PAN); break
      case '+':
      case '=': vp.zoomAt(size.w / 2, size.h / 2, 1.25); break
      case '-': vp.zoomAt(size.w / 2, size.h / 2, 1 / 1.25); break
      case '0': fit(); break
      case 'Escape': cancelGesture(); return
      case ' ':
        spaceDown = true
        canvas.classList.add('pan-ready')
        e.preventDefault()
        return
      case 'Enter':
        e.preventDefault()
        if (readOnly) return
        if (tool === 'text') openText(centre())
        else if (tool !== 'eraser' && tool !== 'hand') add(shapeAt(tool, centre(), style()))
        return
      default:
        return
    }
    e.preventDefault()
    viewChanged()
  })
  canvas.addEventListener('keyup', (e) => {
    if (e.key === ' ') {
      spaceDown = false
      canvas.classList.remove('pan-ready')
    }
  })

  // ---------------------------------------------------------------- observe
  const onBoard = () => {
    schedule()
    updateList()
    updateHistoryButtons()
    renderCleared()
  }
  board.observeDeep(onBoard)
  const onStack = () => updateHistoryButtons()
  undoManager.on('stack-item-added', onStack)
  undoManager.on('stack-item-popped', onStack)
  const onAwareness = () => schedule()
  awareness.on('change', onAwareness)

  setTool('pen')
  setColor(color)
  onBoard()
  viewChanged()

  /**
   * The whole board (every element, not just what is on screen) as a PNG blob on white, with a
   * margin; null when the board is empty. Remote pointers are not part of the picture.
   */
  function toPNG () {
    const els = listElements(board)
    if (!els.length) return Promise.resolve(null)
    const boxes = els.map(bounds)
    const pad = 24
    const minX = Math.min(...boxes.map((b) => b.x)) - pad
    const minY = Math.min(...boxes.map((b) => b.y)) - pad
    const w = Math.min(8000, Math.ceil(Math.max(...boxes.map((b) => b.x + b.w)) - minX + pad))
    const hgt = Math.min(8000, Math.ceil(Math.max(...boxes.map((b) => b.y + b.h)) - minY + pad))
    const out = document.createElement('canvas')
    out.width = Math.max(1, w)
    out.height = Math.max(1, hgt)
    const saved = ctx
    ctx = out.getContext('2d')
    try {
      ctx.fillStyle = '#ffffff'
      ctx.fillRect(0, 0, out.width, out.height)
      ctx.translate(-minX, -minY)
      for (const el of els) drawElement(el)
    } finally {
      ctx = saved
    }
    return new Promise((resolve) => out.toBlob(resolve, 'image/png'))
  }

  return {
    root,
    undoManager,
    setReadOnly,
    toPNG,
    restore,
    fit,
    /** Call when the pane becomes visible (its size may have been 0 while hidden). */
    refresh: resize,
    destroy () {
      ro.disconnect()
      board.unobserveDeep(onBoard)
      boardMeta.unobserve(onMeta)
      awareness.off('change', onAwareness)
      undoManager.destroy()
    }
  }
}
