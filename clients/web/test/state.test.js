import { test } from 'node:test'
import assert from 'node:assert/strict'
import { RoomState } from '../src/state.js'

const ME = { id: 'p-me', name: 'Teal Heron', color: '#1abc9c', role: 'interviewee' }
const THEM = { id: 'p-them', name: 'Amber Lynx', color: '#e67e22', role: 'interviewer' }
const msg = (id, from, text, nonce = '') => ({ t: 'chat.msg', id, ts: 1000 + id, from, text, nonce })

function joined () {
  const s = new RoomState({ role: 'interviewee', room: 'r' })
  s.receive({ t: 'welcome', v: 1, room: 'r', you: ME, limits: { chat_max_len: 500 } }, 0)
  s.receive({ t: 'session', phase: 'live', participants: [{ ...THEM, status: 'online' }, { ...ME, status: 'online' }], ends_at: 5000, read_only: false, unmask_offered: false }, 0)
  return s
}

test('welcome and session give you, the other participant and the phase', () => {
  const s = joined()
  const topics = []
  s.on('session', () => topics.push('session'))
  assert.equal(s.you.name, 'Teal Heron')
  assert.equal(s.other.id, 'p-them')
  assert.equal(s.phase, 'live')
  assert.equal(s.readOnly, false)
  s.receive({ t: 'session', phase: 'ended', participants: [], ends_at: null, read_only: true, unmask_offered: false }, 0)
  assert.deepEqual(topics, ['session'])
  assert.equal(s.readOnly, true)
})

test('before the welcome, the other participant is found by role', () => {
  const s = new RoomState({ role: 'interviewer' })
  s.receive({ t: 'session', phase: 'lobby', participants: [{ ...THEM }, { ...ME }], ends_at: null, read_only: false, unmask_offered: false }, 0)
  assert.equal(s.other.id, 'p-me')
})

test('chat: history and live messages merge in id order without duplicates; maxId tracks the highest', () => {
  const s = joined()
  s.receive(msg(2, THEM, 'b'), 0)
  s.receive({ t: 'chat.history', messages: [msg(1, THEM, 'a'), msg(2, THEM, 'b'), msg(3, ME, 'c')] }, 0)
  s.receive(msg(3, ME, 'c'), 0)
  assert.deepEqual(s.chat.messages.map((m) => m.text), ['a', 'b', 'c'])
  assert.equal(s.chat.maxId, 3)
})

test('chat: a post is pending until its echo (matched by nonce) arrives', () => {
  const s = joined()
  const out = s.postChat('hello')
  assert.equal(out.t, 'chat.post')
  assert.equal(s.chat.pending.length, 1)
  s.receive(msg(7, ME, 'hello', out.nonce), 0)
  assert.equal(s.chat.pending.length, 0)
  assert.deepEqual(s.chat.messages.map((m) => m.id), [7])
})

test('chat: an error naming the nonce marks the post failed; a disconnect fails what is in flight', () => {
  const s = joined()
  const a = s.postChat('too fast')
  const b = s.postChat('in flight')
  s.receive({ t: 'error', code: 'rate_limited', message: 'chat rate exceeded', ref: a.nonce }, 0)
  assert.equal(s.chat.pending[0].status, 'failed')
  assert.equal(s.chat.pending[0].error, 'chat rate exceeded')
  assert.equal(s.chat.pending[1].status, 'sending')
  s.failPendingChat('lost')
  assert.equal(s.chat.pending[1].status, 'failed')
  s.dropPending(b.nonce)
  assert.equal(s.chat.pending.length, 1)
  assert.equal(s.toasts.length, 0)
})

test('unread counts only the other side\'s messages while the chat is hidden', () => {
  const s = joined()
  s.setChatVisible(false)
  s.receive(msg(1, THEM, 'x'), 0)
  s.receive(msg(2, ME, 'mine'), 0)
  s.receive({ t: 'chat.history', messages: [msg(3, THEM, 'y')] }, 0)
  assert.equal(s.chat.unread, 2)
  s.setChatVisible(true)
  assert.equal(s.chat.unread, 0)
  s.receive(msg(4, THEM, 'z'), 0)
  assert.equal(s.chat.unread, 0)
})

test('typing: shown for the other side, cleared by their message or after a while', () => {
  const s = joined()
  s.receive({ t: 'chat.typing', on: true, from: THEM }, 1000)
  assert.equal(s.typing.from.name, 'Amber Lynx')
  s.receive(msg(1, THEM, 'done'), 1500)
  assert.equal(s.typing, null)
  s.receive({ t: 'chat.typing', on: true, from: THEM }, 2000)
  s.expireTyping(7999)
  assert.notEqual(s.typing, null)
  s.expireTyping(8000)
  assert.equal(s.typing, null)
  s.receive({ t: 'chat.typing', on: true, from: ME }, 0)
  assert.equal(s.typing, null)
})

test('feedback: submit, ack, status and reveal', () => {
  const s = joined()
  const out = s.submitFeedback({ would_work_with: true })
  assert.equal(s.feedback.submitting, true)
  s.receive({ t: 'ack', ref: out.nonce }, 0)
  assert.equal(s.feedback.mine, 'submitted')
  assert.equal(s.feedback.submitting, false)
  s.receive({ t: 'feedback.status', mine: 'submitted', theirs: 'pending' }, 0)
  assert.equal(s.feedback.theirs, 'pending')
  s.receive({ t: 'feedback.reveal', mine: { a: 1 }, theirs: { b: 2 }, calibration: { self: 2, actual: 3 } }, 0)
  assert.deepEqual(s.feedback.reveal.calibration, { self: 2, actual: 3 })
  assert.equal(s.feedback.theirs, 'submitted')
})

test('feedback: a validation error referring to the submission is shown on the form', () => {
  const s = joined()
  const out = s.submitFeedback({})
  s.receive({ t: 'error', code: 'invalid_feedback', message: 'technical must be 1-4', ref: out.nonce }, 0)
  assert.equal(s.feedback.error, 'technical must be 1-4')
  assert.equal(s.feedback.submitting, false)
  assert.equal(s.feedback.mine, 'pending')
})

test('unmask: status and result; an identity is kept only when unmasked', () => {
  const s = joined()
  s.receive({ t: 'unmask.status', mine: 'yes', deadline: 99 }, 0)
  assert.equal(s.unmask.mine, 'yes')
  s.receive({ t: 'unmask.result', unmasked: false, identity: { name: 'should not be kept' } }, 0)
  assert.deepEqual(s.unmask.result, { unmasked: false, identity: null })
  s.receive({ t: 'unmask.result', unmasked: true, identity: { name: 'Ana', email: 'ana@example.org' } }, 0)
  assert.equal(s.unmask.result.identity.name, 'Ana')
})

test('errors that refer to nothing pending become toasts; ice servers and signals are passed on', () => {
  const s = joined()
  const seen = []
  s.on('toast', (t) => seen.push(t.text))
  s.on('signal', (m) => seen.push(m.kind))
  s.receive({ t: 'error', code: 'wrong_phase', message: 'calls are over', ref: '' }, 0)
  s.receive({ t: 'ice.servers', servers: [{ urls: ['turn:127.0.0.1'] }], relay_only: true }, 0)
  s.receive({ t: 'signal', kind: 'offer', data: {}, to: '', from: THEM }, 0)
  assert.deepEqual(seen, ['calls are over', 'offer'])
  assert.equal(s.ice.relay_only, true)
})

test('a read_only refusal is not shown as a toast: the page already says so (issue 13, item 5)', () => {
  const s = joined()
  const toasts = []
  s.on('toast', (t) => toasts.push(t))
  s.receive({ t: 'session', phase: 'sealed', participants: [], ends_at: null, read_only: true, unmask_offered: false, close_reason: 'ended_in_lobby' }, 0)
  s.receive({ t: 'error', code: 'read_only', message: 'the interview has ended: the document is read-only', ref: '' }, 0)
  assert.deepEqual(toasts, [])
  assert.equal(s.session.close_reason, 'ended_in_lobby')
  s.receive({ t: 'error', code: 'rate_limited', message: 'too many', ref: '' }, 0)
  assert.equal(toasts.length, 1)
})

test('may: the actions the server lists in our own entry decide', () => {
  const s = joined()
  s.receive({ t: 'session', phase: 'feedback', participants: [{ ...THEM, status: 'online' }, { ...ME, status: 'online', actions: ['chat', 'run'] }], ends_at: null, read_only: true, unmask_offered: false }, 0)
  assert.equal(s.may('run'), true) // the server's list wins over the phase
  assert.equal(s.may('call'), false)
  assert.equal(s.may('end_interview'), false)
})

test('may: without a list (an older server), judged by the phase and the role', () => {
  const s = joined()
  assert.equal(s.may('run'), true)
  assert.equal(s.may('call'), true)
  assert.equal(s.may('end_interview'), false) // the interviewee
  assert.equal(s.may('replay'), false)
  s.receive({ t: 'session', phase: 'revealed', participants: [{ ...THEM }, { ...ME }], ends_at: null, read_only: true, unmask_offered: false }, 0)
  assert.equal(s.may('run'), false)
  assert.equal(s.may('replay'), true)
  const plain = new RoomState({ role: 'guest', room: 'r' }) // no session: runs and calls open
  assert.equal(plain.may('run'), true)
  assert.equal(plain.may('set_question'), false)
  assert.equal(plain.may('chat'), true)
  s.receive({ t: 'session', phase: 'sealed', participants: [{ ...THEM }, { ...ME }], ends_at: null, read_only: true, unmask_offered: false }, 0)
  assert.equal(s.may('chat'), false)
})
