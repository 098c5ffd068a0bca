// Checks the client against every golden vector in protocol/vectors:
//  - message vectors in both directions: hex -> decoded equals the vector's message(s), and
//    message(s) -> bytes equals the hex;
//  - invalid frames: the decoder rejects each with the same error class and code as Python;
//  - join tokens: what the client can check without the server's secret (format, payload, expiry).
// turn_credential.json is for servers (the client never derives TURN credentials).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeFrame, encodeMessage, ProtocolError } from '../src/codec.js'
import { decodeToken, isExpired, TokenError } from '../src/token.js'
import { fromNeutral, toNeutral, hexToBytes, bytesToHex } from './neutral.js'

const here = dirname(fileURLToPath(import.meta.url))
const vectorDir = process.env.COLLABD_VECTORS || join(here, '..', '..', '..', 'protocol', 'vectors')
const SERVER_ONLY = new Set(['turn_credential.json'])

const files = existsSync(vectorDir)
  ? readdirSync(vectorDir).filter((name) => name.endsWith('.json')).sort()
  : []

test('protocol/vectors holds vector files', () => {
  assert.ok(files.length > 0, `no *.json vectors found in ${vectorDir}`)
})

let messageCases = 0
for (const file of files.filter((f) => !SERVER_ONLY.has(f))) {
  const doc = JSON.parse(readFileSync(join(vectorDir, file), 'utf8'))
  assert.ok(Array.isArray(doc.cases), `${file} has no cases`)
  for (const [i, c] of doc.cases.entries()) {
    const label = `${file} #${i} ${c.description || ''}`
    if ('token' in c) {
      test(`token ${label}`, () => checkToken(c))
    } else if ('error' in c) {
      test(`reject ${label}`, () => {
        assert.throws(() => decodeFrame(hexToBytes(c.hex)), (err) => {
          assert.ok(err instanceof ProtocolError, `not a ProtocolError: ${err}`)
          assert.equal(err.kind, c.error)
          assert.equal(err.code, c.code)
          assert.equal(err.inPayload, c.in_payload)
          return true
        })
      })
    } else {
      const expected = Array.isArray(c.messages) ? c.messages : [c.message]
      assert.ok(expected.every(Boolean), `${label} has neither message nor messages`)
      messageCases += 1
      test(`decode ${label}`, () => {
        assert.deepEqual(decodeFrame(hexToBytes(c.hex)).map(toNeutral), expected)
      })
      test(`encode ${label}`, () => {
        const hex = expected.map((msg) => bytesToHex(encodeMessage(fromNeutral(msg)))).join('')
        assert.equal(hex, c.hex)
      })
    }
  }
}

test('every collabd message kind has a vector', async () => {
  const { KINDS } = await import('../src/codec.js')
  const seen = new Set()
  for (const file of files) {
    const doc = JSON.parse(readFileSync(join(vectorDir, file), 'utf8'))
    for (const c of doc.cases) {
      for (const m of Array.isArray(c.messages) ? c.messages : c.message ? [c.message] : []) {
        if (m.type === 'collab') seen.add(m.payload.t)
      }
    }
  }
  assert.ok(messageCases > 0)
  assert.deepEqual([...seen].sort(), Object.keys(KINDS).sort())
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
    // only malformed tokens are refused by the client
    assert.equal(c.error, 'bad_token')
    return
  }
  // Well-formed tokens the server refuses: the client reads the payload and leaves the verdict
  // to the server (it has no secret), except what it can see itself.
  if (c.error === 'expired_token') assert.equal(isExpired(payload, nowMs), true)
  else if (c.error === 'wrong_room') assert.notEqual(payload.room, c.room)
  else assert.equal(c.error, 'bad_token') // bad signature: only the server can tell
}
