import { test } from 'node:test'
import assert from 'node:assert/strict'
import { linkProblem } from '../src/link-problem.js'

test('every refusal of a join link has a title, what is wrong and what to do (issue 13, item 8)', () => {
  for (const code of ['malformed', 'missing_token', 'bad_token', 'expired_token', 'wrong_room', 'not_found', 'not_allowed', 'bad_origin']) {
    const p = linkProblem(code)
    assert.ok(p && p.title && p.what && p.todo, code)
    assert.doesNotMatch(`${p.title} ${p.what}`, /v1|token is not|base64/)
  }
  assert.equal(linkProblem('too_many_connections'), null) // not about the link: keep retrying
  assert.equal(linkProblem('shutting_down'), null)
})
