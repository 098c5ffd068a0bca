import { test } from 'node:test'
import assert from 'node:assert/strict'
import { contrast, readableOn } from '../src/color.js'

test('contrast ratios match WCAG reference values', () => {
  assert.equal(Math.round(contrast('#000000', '#ffffff')), 21)
  assert.equal(contrast('#777777', '#777777'), 1)
  assert.ok(Math.abs(contrast('#767676', '#ffffff') - 4.54) < 0.01)
})

test('pseudonym colours used as text reach AA (4.5:1) on light and dark backgrounds', () => {
  // the pseudonym palette's light colours fail as text as they are (e.g. #1abc9c: 2.5:1 on white)
  assert.ok(contrast('#1abc9c', '#ffffff') < 4.5)
  for (const color of ['#1abc9c', '#e67e22', '#f1c40f', '#3498db', '#9b59b6', '#2c3e50', '#ffffff', '#000000']) {
    for (const bg of ['#ffffff', '#f5f6f8', '#1b1f24', '#111418']) {
      const fixed = readableOn(color, bg)
      assert.ok(contrast(fixed, bg) >= 4.5, `${color} on ${bg} -> ${fixed}`)
    }
  }
  assert.equal(readableOn('#1f2937', '#ffffff'), '#1f2937') // already readable: unchanged
})
