import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RoomState } from '../src/state.js'
import { createEmbed, eventTargets, EMBED_VERSION } from '../src/embed.js'

const HOST = 'https://hr.example.com'
const ME = { id: 'p-me', name: 'Teal Heron', color: '#1abc9c', role: 'interviewee' }
const THEM = { id: 'p-them', name: 'Amber Lynx', color: '#e67e22', role: 'interviewer' }

function setup (targets = [HOST]) {
  const posted = []
  const parent = { postMessage: (msg, origin) => posted.push({ msg, origin }) }
  let handler = null
  const state = new RoomState({ role: 'interviewee', room: 'r' })
  const conn = { status: 'connecting', refusal: null, fns: [], onChange (fn) { this.fns.push(fn) } }
  const done = []
  const actions = { setTheme: (t) => done.push(['theme', t]), leave: () => done.push(['leave']) }
  const embed = createEmbed({ parent, listen: (fn) => { handler = fn }, targets, state, conn, actions })
  const command = (data, { origin = HOST, source = parent } = {}) => handler({ data, origin, source })
  const types = () => posted.map((p) => p.msg.type)
  return { posted, parent, state, conn, done, embed, command, types }
}

const session = (phase, extra = {}) => ({
  t: 'session',
  phase,
  participants: [{ ...THEM, status: 'connected' }, { ...ME, status: 'connected' }],
  ends_at: 5000,
  read_only: phase !== 'live',
  unmask_offered: false,
  ...extra
})

test('a whole interview, as the parent sees it, once per event', () => {
  const { state, posted, types } = setup()
  state.receive({ t: 'welcome', v: 1, room: 'r', you: ME, limits: {} }, 0)
  state.receive({ t: 'welcome', v: 1, room: 'r', you: ME, limits: {} }, 0) // a reconnect
  state.receive(session('live'), 0)
  state.receive(session('live'), 0)
  state.receive(session('feedback'), 0)
  state.receive({ t: 'feedback.status', mine: 'submitted', theirs: 'pending' }, 0)
  state.receive({ t: 'feedback.status', mine: 'submitted', theirs: 'submitted' }, 0)
  state.receive(session('revealed', { unmask_offered: true }), 0)
  state.receive({ t: 'feedback.reveal', mine: { x: 1 }, theirs: { secret: 'their answers' }, calibration: null }, 0)
  state.receive({ t: 'unmask.result', unmasked: true, identity: { name: 'Kenji Watanabe' } }, 0)
  state.receive(session('unmasked', { close_reason: 'unmasked' }), 0)
  assert.deepEqual(types(), ['joined', 'phase', 'phase', 'feedback.submitted', 'phase', 'reveal', 'unmask', 'phase', 'closed'])
  assert.deepEqual(posted[0].msg, { collabd: EMBED_VERSION, type: 'joined', role: 'interviewee', name: 'Teal Heron' })
  assert.deepEqual(posted[2].msg, { collabd: 1, type: 'phase', phase: 'feedback', previous: 'live' })
  assert.deepEqual(posted[5].msg, { collabd: 1, type: 'reveal', unmask_offered: true })
  assert.deepEqual(posted[6].msg, { collabd: 1, type: 'unmask', unmasked: true })
  assert.deepEqual(posted[8].msg, { collabd: 1, type: 'closed', reason: 'unmasked' })
  // to the listed origin by name, and nothing of the answers, the identity or the token
  for (const p of posted) assert.equal(p.origin, HOST)
  const all = JSON.stringify(posted)
  for (const secret of ['Kenji', 'their answers', 'token']) assert.ok(!all.includes(secret), secret)
})

test('a refused link is told once, with its code', () => {
  const { conn, posted } = setup()
  conn.status = 'refused'
  conn.refusal = { code: 'expired_token', message: 'expired' }
  for (const fn of conn.fns) fn()
  for (const fn of conn.fns) fn()
  assert.deepEqual(posted.map((p) => p.msg), [{ collabd: 1, type: 'refused', code: 'expired_token' }])
})

test('commands from the parent at a listed origin are obeyed', () => {
  const { command, done, embed, types } = setup()
  command({ collabd: 1, command: 'theme', theme: 'dark' })
  command({ collabd: 1, command: 'leave' })
  command({ collabd: 1, command: 'leave' }) // once
  assert.deepEqual(done, [['theme', 'dark'], ['leave']])
  assert.deepEqual(types(), ['left'])
  assert.equal(embed.ignored, 1)
})

test('anything else is ignored and counted', () => {
  const { command, done, embed } = setup()
  const other = { postMessage () {} }
  command({ collabd: 1, command: 'theme', theme: 'dark' }, { origin: 'https://evil.example' })
  command({ collabd: 1, command: 'leave' }, { source: other }) // another window at that origin
  command({ collabd: 2, command: 'leave' })
  command({ collabd: 1, command: 'theme', theme: 'purple' })
  command({ collabd: 1, command: 'toString' })
  command({ collabd: 1, command: 'eval', code: '1' })
  command('leave')
  command(null)
  assert.deepEqual(done, [])
  assert.equal(embed.ignored, 8)
})

test('events go to the parent origin when the browser names it, else to each listed one', () => {
  const allowed = [HOST, 'http://127.0.0.1:8000']
  assert.deepEqual(eventTargets(allowed, { ancestorOrigins: ['http://127.0.0.1:8000'] }), ['http://127.0.0.1:8000'])
  assert.deepEqual(eventTargets(allowed, { referrer: 'https://hr.example.com/jobs/42?x=1' }), [HOST])
  assert.deepEqual(eventTargets(allowed, { referrer: 'https://evil.example/' }), allowed)
  assert.deepEqual(eventTargets(allowed, { referrer: 'not a url' }), allowed)
  assert.deepEqual(eventTargets(allowed, {}), allowed)
})
