import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import {
  addElement, listElements, readElement, deleteElements, clearBoard, shapeFromDrag, strokeFromPoints,
  shapeAt, bounds, hitTest, elementsAt, describe, Viewport
} from '../src/board-model.js'

const STYLE = { color: '#dc2626', width: 2 }

/** Two docs that exchange every update synchronously, like two clients through a server. */
function pair () {
  const a = new Y.Doc()
  const b = new Y.Doc()
  a.on('update', (u, origin) => { if (origin !== 'remote') Y.applyUpdate(b, u, 'remote') })
  b.on('update', (u, origin) => { if (origin !== 'remote') Y.applyUpdate(a, u, 'remote') })
  return [a, b]
}

test('an element is a Y.Map with every field, on top of the others', () => {
  const doc = new Y.Doc()
  const board = doc.getMap('board')
  const id1 = addElement(doc, board, shapeFromDrag('rect', { x: 10, y: 20 }, { x: 0, y: 0 }, STYLE), 'me')
  const id2 = addElement(doc, board, shapeFromDrag('line', { x: 0, y: 0 }, { x: 30, y: 40 }, STYLE), 'me')
  assert.notEqual(id1, id2)
  const ymap = board.get(id1)
  assert.ok(ymap instanceof Y.Map)
  assert.deepEqual(Object.keys(ymap.toJSON()).sort(), ['color', 'h', 'points', 'text', 'type', 'w', 'width', 'x', 'y', 'z'])
  const [rect, line] = listElements(board)
  assert.deepEqual([rect.type, rect.x, rect.y, rect.w, rect.h, rect.z], ['rect', 0, 0, 10, 20, 1])
  assert.deepEqual([line.type, line.points, line.z], ['line', [0, 0, 30, 40], 2])
})

test('a shape drawn in one doc appears in the other', () => {
  const [a, b] = pair()
  addElement(a, a.getMap('board'), shapeFromDrag('ellipse', { x: 0, y: 0 }, { x: 50, y: 30 }, STYLE), 'a')
  const els = listElements(b.getMap('board'))
  assert.equal(els.length, 1)
  assert.equal(els[0].type, 'ellipse')
  assert.equal(els[0].color, '#dc2626')
})

test('undo is per user: each UndoManager takes back only its own client\'s shapes', () => {
  const [a, b] = pair()
  const originA = { who: 'a' }
  const originB = { who: 'b' }
  const undoA = new Y.UndoManager(a.getMap('board'), { trackedOrigins: new Set([originA]), captureTimeout: 0 })
  const undoB = new Y.UndoManager(b.getMap('board'), { trackedOrigins: new Set([originB]), captureTimeout: 0 })
  addElement(a, a.getMap('board'), shapeAt('rect', { x: 0, y: 0 }, STYLE), originA)
  addElement(b, b.getMap('board'), shapeAt('arrow', { x: 0, y: 0 }, STYLE), originB)
  addElement(a, a.getMap('board'), shapeAt('line', { x: 0, y: 0 }, STYLE), originA)
  undoA.undo()
  assert.deepEqual(listElements(b.getMap('board')).map((e) => e.type), ['rect', 'arrow'])
  undoA.undo()
  assert.deepEqual(listElements(b.getMap('board')).map((e) => e.type), ['arrow'])
  assert.equal(undoA.undo(), null) // nothing more of a's to undo; b's arrow stays
  assert.deepEqual(listElements(a.getMap('board')).map((e) => e.type), ['arrow'])
  undoA.redo()
  assert.deepEqual(listElements(a.getMap('board')).map((e) => e.type).sort(), ['arrow', 'rect'])
  undoB.undo()
  assert.deepEqual(listElements(a.getMap('board')).map((e) => e.type), ['rect'])
})

test('clear removes everything in one undoable step; erase removes the given ids', () => {
  const doc = new Y.Doc()
  const board = doc.getMap('board')
  const origin = {}
  const undo = new Y.UndoManager(board, { trackedOrigins: new Set([origin]), captureTimeout: 0 })
  const ids = ['rect', 'ellipse', 'text'].map((t) => addElement(doc, board, { ...shapeAt(t === 'text' ? 'rect' : t, { x: 0, y: 0 }, STYLE), type: t, text: 'hi' }, origin))
  deleteElements(doc, board, [ids[1]], origin)
  assert.equal(board.size, 2)
  clearBoard(doc, board, origin)
  assert.equal(board.size, 0)
  undo.undo()
  assert.equal(board.size, 2)
})

test('remote data is read defensively', () => {
  const doc = new Y.Doc()
  const board = doc.getMap('board')
  doc.transact(() => {
    const bad = new Y.Map()
    bad.set('type', 'hexagon')
    board.set('bad', bad)
    const weird = new Y.Map()
    for (const [k, v] of Object.entries({ type: 'pen', x: 'NaN', points: [1, 2, 'x'], color: 'red', width: 1e9 })) weird.set(k, v)
    board.set('weird', weird)
    board.set('notamap', 42)
  })
  const els = listElements(board)
  assert.equal(els.length, 1)
  assert.deepEqual([els[0].x, els[0].points, els[0].color, els[0].width], [0, [1, 2], '#1f2937', 64])
  assert.equal(readElement('x', { type: 'rect', w: 5 }).w, 5)
})

test('drag shapes: rectangles normalise, tiny drags draw nothing, strokes are relative', () => {
  assert.deepEqual(shapeFromDrag('rect', { x: 50, y: 50 }, { x: 10, y: 20 }, STYLE), { type: 'rect', x: 10, y: 20, points: [], w: 40, h: 30, ...STYLE })
  assert.equal(shapeFromDrag('line', { x: 1, y: 1 }, { x: 2, y: 2 }, STYLE), null)
  const pen = strokeFromPoints([{ x: 5, y: 5 }, { x: 7, y: 9 }, { x: 10, y: 5 }], STYLE)
  assert.deepEqual([pen.x, pen.y, pen.points], [5, 5, [0, 0, 2, 4, 5, 0]])
  assert.equal(strokeFromPoints([], STYLE), null)
  assert.equal(strokeFromPoints([{ x: 1, y: 1 }], STYLE).points.length, 4)
  for (const t of ['pen', 'line', 'rect', 'ellipse', 'arrow']) {
    const el = readElement('k', shapeAt(t, { x: 100, y: 100 }, STYLE))
    const b = bounds(el)
    assert.ok(Math.abs(b.x + b.w / 2 - 100) < 1, `${t} is centred`)
  }
})

test('hit testing for the eraser', () => {
  const line = readElement('l', shapeFromDrag('line', { x: 0, y: 0 }, { x: 100, y: 0 }, STYLE))
  assert.equal(hitTest(line, { x: 50, y: 3 }, 3), true)
  assert.equal(hitTest(line, { x: 50, y: 10 }, 3), false)
  const ell = readElement('e', shapeFromDrag('ellipse', { x: 0, y: 0 }, { x: 100, y: 50 }, STYLE))
  assert.equal(hitTest(ell, { x: 50, y: 25 }, 2), true)
  assert.equal(hitTest(ell, { x: 2, y: 2 }, 2), false)
  const doc = new Y.Doc()
  const board = doc.getMap('board')
  const low = addElement(doc, board, shapeFromDrag('rect', { x: 0, y: 0 }, { x: 100, y: 100 }, STYLE), null)
  const high = addElement(doc, board, shapeFromDrag('rect', { x: 50, y: 50 }, { x: 150, y: 150 }, STYLE), null)
  assert.deepEqual(elementsAt(board, { x: 75, y: 75 }, 1), [high, low])
  assert.deepEqual(elementsAt(board, { x: 300, y: 300 }, 1), [])
})

test('descriptions for the screen-reader list', () => {
  assert.equal(describe(readElement('t', { type: 'text', x: 3, y: 4, text: 'queue', w: 40, h: 20 })), 'text "queue" at 3, 4')
  assert.equal(describe(readElement('r', { type: 'rect', x: 0, y: 0, w: 10, h: 20 })), 'rectangle 10 by 20 at 0, 0')
  assert.equal(describe(readElement('a', { type: 'arrow', x: 5, y: 5, points: [0, 0, -5, 10] })), 'arrow at 0, 5')
})

test('viewport: screen and board coordinates invert each other; zoom keeps the cursor point fixed', () => {
  const vp = new Viewport()
  vp.panBy(100, 50)
  assert.deepEqual(vp.toBoard(100, 50), { x: 0, y: 0 })
  vp.zoomAt(200, 100, 2)
  const p = vp.toBoard(200, 100)
  assert.deepEqual(p, { x: 100, y: 50 })
  const s = vp.toScreen(p.x, p.y)
  assert.deepEqual(s, { x: 200, y: 100 })
  for (let i = 0; i < 50; i++) vp.zoomAt(0, 0, 2)
  assert.equal(vp.scale, 8)
  vp.reset()
  assert.deepEqual([vp.ox, vp.oy, vp.scale], [0, 0, 1])
})
