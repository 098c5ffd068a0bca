// The msgpack subset (SPEC 7) at its edges: shortest integer forms, the reader's limits.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encode, decode, MsgpackError } from '../src/msgpack.js'

const hex = (bytes) => Buffer.from(bytes).toString('hex')
const bytes = (h) => Uint8Array.from(Buffer.from(h, 'hex'))

test('integers are written in their shortest form and read back', () => {
  const cases = [
    [0, '00'], [127, '7f'], [128, 'cc80'], [255, 'ccff'], [256, 'cd0100'], [65535, 'cdffff'],
    [65536, 'ce00010000'], [2 ** 32 - 1, 'ceffffffff'], [2 ** 32, 'cf0000000100000000'],
    [2 ** 53 - 1, 'cf001fffffffffffff'], [-1, 'ff'], [-32, 'e0'], [-33, 'd0df'], [-128, 'd080'],
    [-129, 'd1ff7f'], [-32768, 'd18000'], [-32769, 'd2ffff7fff'], [-(2 ** 31), 'd280000000'],
    [-(2 ** 31) - 1, 'd3ffffffff7fffffff'], [-(2 ** 53 - 1), 'd3ffe0000000000001']
  ]
  for (const [n, h] of cases) {
    assert.equal(hex(encode(n)), h, `encode ${n}`)
    assert.equal(decode(bytes(h)), n, `decode ${h}`)
  }
})

test('strings, arrays and maps switch header forms at their bounds', () => {
  for (const n of [0, 31, 32, 255, 256, 65535, 65536]) {
    const s = 'é'.repeat(n >> 1) + 'x'.repeat(n & 1)
    assert.equal(decode(encode(s)), s)
  }
  for (const n of [15, 16, 10000]) {
    const list = Array.from({ length: n }, (_, i) => i)
    assert.deepEqual(decode(encode(list)), list)
  }
  const map = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i]))
  assert.equal(hex(encode(map)).slice(0, 6), 'de0010')
  assert.deepEqual(decode(encode(map)), map)
  assert.equal(decode(encode(1.5)), 1.5)
})

test('the reader refuses what SPEC 7 refuses', () => {
  let deep = 1
  for (let i = 0; i < 8; i++) deep = [deep]
  assert.deepEqual(decode(encode({ f: deep })).f, deep) // 8 levels inside a field
  assert.throws(() => encode({ f: [deep] }), TypeError) // 9: not written...
  // ...nor read: {"f": [[[[[[[[[1]]]]]]]]]}
  assert.throws(() => decode(bytes('81a166' + '91'.repeat(9) + '01')), MsgpackError)
  assert.throws(() => decode(bytes('c1')), MsgpackError)
  assert.throws(() => decode(bytes('81a166d40100')), /not allowed/) // an extension type
  // a binary as a field's value comes back (the schema calls it the wrong type); deeper, refused
  assert.deepEqual(decode(bytes('81a166c40100')).f, new Uint8Array([0]))
  assert.throws(() => decode(bytes('81a16691c40100')), /binary inside a field/)
  assert.throws(() => decode(bytes('81c40100')), /binary inside a field|map key/)
  assert.throws(() => decode(bytes('810100')), /map key is not a string/)
  assert.throws(() => decode(bytes('0000')), /trailing/)
  assert.throws(() => decode(bytes('a2c3')), /truncated/)
  assert.throws(() => decode(bytes('a2c328')), /UTF-8/)
  assert.throws(() => decode(bytes('dc2711' + '00'.repeat(10001))), /array over/)
})

test('a __proto__ key is a plain key', () => {
  const value = decode(bytes('81a95f5f70726f746f5f5f01'))
  assert.equal(Object.getPrototypeOf(value), Object.prototype)
  assert.deepEqual(Object.keys(value), ['__proto__'])
  assert.equal(value.polluted, undefined)
})
