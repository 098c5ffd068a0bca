import { test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeToken, tokenFromHash, isExpired, TokenError } from '../src/token.js'

const b64url = (s) => Buffer.from(s, 'utf8').toString('base64url')
const make = (payload) => `v1.${b64url(JSON.stringify(payload))}.c2lnbmF0dXJl`

test('reads room, pid, role and exp from the payload', () => {
  const t = make({ room: 'room-1', pid: 'p-1', role: 'interviewer', exp: 2000000000 })
  assert.deepEqual(decodeToken(t), { room: 'room-1', pid: 'p-1', role: 'interviewer', exp: 2000000000 })
})

test('non-ASCII payloads decode as UTF-8', () => {
  assert.equal(decodeToken(make({ room: 'salle-é', pid: 'x', role: 'guest', exp: 1 })).room, 'salle-é')
})

test('malformed tokens are refused with TokenError', () => {
  for (const bad of ['', 'v1', 'v1.a', 'v2.e30.c2ln', 'v1.!!!.c2ln', `v1.${b64url('not json')}.c2ln`,
    make({ pid: 'no room' }), `v1.${b64url('null')}.c2ln`, make({ room: 'r' }) + '=']) {
    assert.throws(() => decodeToken(bad), TokenError, bad)
  }
})

test('the token comes from the hash, not the query', () => {
  assert.equal(tokenFromHash('#token=v1.a.b'), 'v1.a.b')
  assert.equal(tokenFromHash('#x=1&token=v1.a.b'), 'v1.a.b')
  assert.equal(tokenFromHash(''), null)
  assert.equal(tokenFromHash('#other=1'), null)
})

test('expiry is exp seconds against now in ms', () => {
  assert.equal(isExpired({ exp: 100 }, 99_999), false)
  assert.equal(isExpired({ exp: 100 }, 100_000), true)
  assert.equal(isExpired({ exp: null }, 1e15), false)
})
