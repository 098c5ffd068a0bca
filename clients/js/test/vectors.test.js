// The package against every golden vector in protocol/vectors, both directions:
//  - message vectors: hex -> decoded equals the vector's message(s), message(s) -> hex;
//  - invalid frames: refused with the same error class, code and in_payload as the Python codec;
//  - join tokens: what a client can check without the server's secret.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeFrame, encodeMessage, ProtocolError, KINDS, decodeToken, isExpired, TokenError } from '../src/index.js'
import { fromNeutral, toNeutral, hexToBytes, bytesToHex } from './neutral.js'

const here = dirname(fileURLToPath(import.meta.url))
const vectorDir = process.env.COLLABD_VECTORS || join(here, '..', '..', '..', 'protocol', 'vectors')
const SERVER_ONLY = new Set(['turn_credential.json'])
const files = readdirSync(vectorDir).filter((name) => name.endsWith('.json')).sort()
const load = (file) => JSON.parse(readFileSync(join(vectorDir, file), 'utf8'))

test('protocol/vectors holds vector files', () => {
  assert.ok(files.length > 20, `too few vectors in ${vectorDir}`)
})

const seenKinds = new Set()
let invalidCases = 0
for (const file of files.filter((f) => !SERVER_ONLY.has(f))) {
  for (const [i, c] of load(file).cases.entries()) {
    const label = `${file} #${i} ${c.description || ''}`
    if ('token' in c) {
      test(`token ${label}`, () => checkToken(c))
    } else if ('error' in c) {
      invalidCases += 1
      test(`reject ${label}`, () => {
        assert.throws(() => decodeFrame(hexToBytes(c.hex)), (err) => {
          assert.ok(err instanceof ProtocolError, `not a ProtocolError: ${err}`)
          assert.deepEqual([err.kind, err.code, err.inPayload], [c.error, c.code, c.in_payload])
          return true
        })
      })
    } else {
      const expected = Array.isArray(c.messages) ? c.messages : [c.message]
      for (const m of expected) if (m.type === 'collab') seenKinds.add(m.payload.t)
      test(`decode ${label}`, () => {
        assert.deepEqual(decodeFrame(hexToBytes(c.hex)).map(toNeutral), expected)
      })
      test(`encode ${label}`, () => {
        assert.equal(expected.map((msg) => bytesToHex(encodeMessage(fromNeutral(msg)))).join(''), c.hex)
      })
    }
  }
}

test('every collabd message kind has a vector, and invalid frames are checked', () => {
  assert.deepEqual([...seenKinds].sort(), Object.keys(KINDS).sort())
  assert.ok(invalidCases > 20)
})

function checkToken (c) {
  const nowMs = c.now * 1000
  if (c.error === null) {
    const payload = decodeToken(c.token)
    assert.deepEqual(payload, c.payload)
    assert.equal(payload.room, c.room)
    assert.equal(isExpired(payload, nowMs), false)
    return
  }
  let payload
  try {
    payload = decodeToken(c.token)
  } catch (err) {
    assert.ok(err instanceof TokenError)
    assert.equal(c.error, 'bad_token') // only malformed tokens are refused by the client
    return
  }
  if (c.error === 'expired_token') assert.equal(isExpired(payload, nowMs), true)
  else if (c.error === 'wrong_room') assert.notEqual(payload.room, c.room)
  else assert.equal(c.error, 'bad_token') // a bad signature: only the server can tell
}
