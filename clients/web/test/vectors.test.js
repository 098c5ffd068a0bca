// Checks the client codec against every golden vector in protocol/vectors, in both directions:
// hex -> decoded message equals the vector's message, and message -> bytes equals the hex.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeFrame, encodeMessage } from '../src/codec.js'
import { fromNeutral, toNeutral } from './neutral.js'

const here = dirname(fileURLToPath(import.meta.url))
const vectorDir = process.env.COLLABD_VECTORS || join(here, '..', '..', '..', 'protocol', 'vectors')

const hexToBytes = (hex) => Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16))
const bytesToHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

const files = existsSync(vectorDir)
  ? readdirSync(vectorDir).filter((name) => name.endsWith('.json')).sort()
  : []

test('protocol/vectors holds vector files', () => {
  assert.ok(files.length > 0, `no *.json vectors found in ${vectorDir}`)
})

for (const file of files) {
  const doc = JSON.parse(readFileSync(join(vectorDir, file), 'utf8'))
  for (const [i, c] of doc.cases.entries()) {
    const label = `${file} #${i} ${c.description || ''}`
    test(`decode ${label}`, () => {
      const decoded = decodeFrame(hexToBytes(c.hex))
      const expected = Array.isArray(c.messages) ? c.messages : [c.message]
      assert.deepEqual(decoded.map(toNeutral), expected)
    })
    test(`encode ${label}`, () => {
      const expected = Array.isArray(c.messages) ? c.messages : [c.message]
      const hex = expected.map((msg) => bytesToHex(encodeMessage(fromNeutral(msg)))).join('')
      assert.equal(hex, c.hex)
    })
  }
}
