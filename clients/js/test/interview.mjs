// Two package clients go through a whole interview against a real collabd server, and every
// byte each one received is scanned for what must not reach it. Run by
// tests/jsclient/test_js_package.py, which starts the server and creates the session:
//
//   node test/interview.mjs CONFIG.json
//   CONFIG: {interviewer: joinLink, interviewee: joinLink,
//            identities: {interviewer: {name, email, ...}, interviewee: {...}},
//            hire: interviewer form, work: interviewee form}
//
// Prints one JSON line with what it saw; exits non-zero (with the failed assertion) otherwise.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import WebSocket from 'ws'
import { CollabClient, SdkError, decodeFrame, docAt } from '../src/index.js'

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const ALICE = config.identities.interviewer
const BOB = config.identities.interviewee
const NOTES_A = 'interviewer-private: hesitant on recursion ✍️'
const NOTES_B = 'candidate-private: the interviewer seemed rushed 🙈'
const CODE = 'def solve(xs):\n    return sorted(xs)  # é 🌍\n'

// Every frame each socket received, exactly as it came (both clients, every reconnect).
function recorder (frames) {
  return class RecordingWebSocket extends WebSocket {
    constructor (url) {
      super(url)
      this.on('message', (data) => frames.push(Buffer.from(data)))
    }
  }
}

const framesA = []
const framesB = []
const events = { a: [], b: [] }
const a = await CollabClient.connect(config.interviewer, { WebSocket: recorder(framesA), clientName: 'js-test' })
const b = await CollabClient.connect(config.interviewee, { WebSocket: recorder(framesB), clientName: 'js-test' })
for (const [name, c] of [['a', a], ['b', b]]) {
  for (const e of ['phase', 'chat', 'run', 'question', 'notes', 'feedback', 'reveal', 'unmask', 'unmaskResult', 'signal', 'timers', 'error']) {
    c.on(e, (x) => events[name].push(e === 'phase' ? `phase:${x}` : e))
  }
}

try {
  assert.equal(a.you.role, 'interviewer')
  assert.equal(b.you.role, 'interviewee')
  await Promise.all([a.waitSynced(), b.waitSynced()])
  await Promise.all([a.waitFor((c) => c.phase === 'live'), b.waitFor((c) => c.phase === 'live')])
  assert.ok(a.timers.endsAt === null || Number.isSafeInteger(a.timers.endsAt))

  // the question, then typing in the shared code
  const q = await a.setQuestion('## Sort a list\nReturn the items in order.')
  assert.equal(q.text.startsWith('## Sort'), true)
  await b.waitFor((c) => c.question && c.question.text === q.text)
  a.code.insert(0, CODE)
  a.meta.set('language', 'python')
  await b.waitFor((c) => c.code.toString() === CODE && c.meta.get('language') === 'python')
  b.code.insert(b.code.length, '# reviewed\n')
  await a.waitFor((c) => c.code.toString() === CODE + '# reviewed\n')

  // awareness: the candidate tries to publish its real name; the server stamps `user` itself
  b.awareness.setLocalStateField('user', { name: BOB.name, email: BOB.email })
  b.awareness.setLocalStateField('pointer', { x: 10, y: 20 })
  await a.waitFor((c) => [...c.awareness.getStates().values()].some((s) => s.pointer && s.pointer.x === 10))
  const seenByA = [...a.awareness.getStates().entries()].find(([id]) => id !== a.doc.clientID)[1]
  assert.equal(seenByA.user.name, b.you.name)

  // chat both ways, typing, a signal
  const hello = await a.postChat('hello, I am the interviewer')
  assert.ok(hello.id > 0 && hello.from.id === a.you.id)
  await b.waitFor((c) => c.chat.some((m) => m.id === hello.id))
  const hi = await b.postChat('hi! 👋')
  await a.waitFor((c) => c.chat.some((m) => m.id === hi.id && m.from.name === b.you.name))
  b.setTyping(true)
  await a.waitFor((c) => c.typing[b.you.id] === true)
  const got = new Promise((resolve) => a.on('signal', resolve))
  b.sendSignal('hangup', {}, a.you.id)
  const signal = await got
  assert.deepEqual([signal.kind, signal.from.id], ['hangup', b.you.id])
  await assert.rejects(a.postChat('x'.repeat(5000)), (err) => err instanceof SdkError && err.code === 'too_large')

  // private notes: each side's own
  assert.equal((await a.saveNotes(NOTES_A)).text, NOTES_A)
  assert.equal((await b.saveNotes(NOTES_B)).text, NOTES_B)

  // a run, shared by the candidate
  const run = await b.reportRun({ language: 'python', stdout: '[1, 2, 3]\n', duration_ms: 12 })
  assert.equal(run.from.id, b.you.id)
  await a.waitFor((c) => c.runs.some((r) => r.id === run.id && r.stdout === '[1, 2, 3]\n'))

  // the recorded call: both consent, one chunk from the candidate, never relayed to the other
  await a.consentRecording(true)
  await b.consentRecording(true)
  await a.waitFor((c) => c.recording && c.recording.on)
  const voice = Buffer.from('candidate-voice-bytes 🎙').toString('base64')
  b.sendMessage({ t: 'recording.chunk', run: 1, seq: 0, ms: 1000, data: voice, nonce: 'rc-1' })
  await b.consentRecording(false) // answered after the chunk: it was handled before
  await a.waitFor((c) => c.recording && !c.recording.on && c.recording.theirs === false)

  // the end: only the interviewer may
  await assert.rejects(b.endInterview(), (err) => err instanceof SdkError && err.code === 'not_allowed')
  await a.endInterview()
  await b.waitFor((c) => c.phase === 'feedback' && c.session.read_only)

  // both forms, sealed until both are in
  await a.submitFeedback(config.hire)
  await b.waitFor((c) => c.feedbackStatus && c.feedbackStatus.theirs === 'submitted')
  assert.equal(b.reveal, null)
  await assert.rejects(a.submitFeedback(config.hire), (err) => err.code === 'already_submitted')
  await b.submitFeedback(config.work)
  await Promise.all([a.waitFor((c) => c.reveal), b.waitFor((c) => c.reveal)])
  assert.equal('self_assessment' in a.reveal.theirs, false)
  assert.equal(a.reveal.calibration, null)
  assert.equal(a.reveal.theirs.would_work_with, true)
  assert.deepEqual(b.reveal.calibration, { self: config.work.self_assessment, actual: config.hire.technical })

  // both unmask answers
  await a.waitFor((c) => c.unmaskStatus && c.unmaskStatus.mine === 'pending')
  await a.answerUnmask('yes')
  assert.equal(a.unmaskStatus.mine, 'yes')
  assert.equal(a.unmaskResult, null)
  await b.waitFor((c) => c.unmaskStatus)
  await b.answerUnmask('yes')
  await Promise.all([a.waitFor((c) => c.unmaskResult), b.waitFor((c) => c.unmaskResult)])
  assert.equal(a.unmaskResult.unmasked, true)
  assert.deepEqual([a.unmaskResult.identity.name, a.unmaskResult.identity.email], [BOB.name, BOB.email])
  assert.equal(b.unmaskResult.identity.email, ALICE.email)
  await a.waitFor((c) => c.phase === 'unmasked')

  // the replay, by both, rebuilds the final document
  for (const c of [a, b]) {
    const { info, events: tl } = await c.fetchTimeline()
    assert.equal(info.session, a.room)
    assert.equal(docAt(tl).getText('code').toString(), CODE + '# reviewed\n')
  }

  // the recording, once revealed: the candidate's chunk, placed on the timeline
  const recorded = await a.fetchRecording()
  assert.deepEqual(recorded.map((c) => [c.by, c.run, c.seq, c.data]), [[b.you.id, 1, 0, voice]])
  const tlA = (await a.fetchTimeline()).info
  assert.ok(recorded[0].ts >= tlA.started_at && recorded[0].ts <= tlA.ended_at)

  // every byte: nothing before the reveal; private notes and the self-assessment never
  const scan = (frames, secrets) => frames.map((f, i) => [i, secrets.filter((s) => f.includes(Buffer.from(s)))])
    .filter(([, found]) => found.length)
  const firstResult = (frames) => frames.findIndex((f) => decodeFrame(new Uint8Array(f))
    .some((m) => m.type === 'collab' && m.payload.t === 'unmask.result'))
  const secretsOf = (who) => Object.values(who).filter((v) => typeof v === 'string')
  const [ra, rb] = [firstResult(framesA), firstResult(framesB)]
  assert.ok(ra > 10 && rb > 10, 'the reveal came after many frames')
  assert.deepEqual(scan(framesA.slice(0, ra), secretsOf(BOB)), [], 'the interviewer saw the candidate early')
  assert.deepEqual(scan(framesB.slice(0, rb), secretsOf(ALICE)), [], 'the candidate saw the interviewer early')
  assert.ok(scan(framesA.slice(ra), [BOB.email]).length > 0, 'the scan looks where the identity is')
  assert.deepEqual(scan(framesA, [NOTES_B, 'self_assessment']), [])
  assert.deepEqual(scan(framesA.slice(0, ra), [voice, 'candidate-voice-bytes']), [], 'the chunk was relayed')
  assert.deepEqual(scan(framesB, [NOTES_A]), [])
  assert.ok(scan(framesA, [NOTES_A]).length > 0, 'the scan looks where the notes are')

  console.log(JSON.stringify({
    ok: true,
    frames: { interviewer: framesA.length, interviewee: framesB.length },
    bytes: { interviewer: framesA.reduce((n, f) => n + f.length, 0), interviewee: framesB.reduce((n, f) => n + f.length, 0) },
    events
  }))
} finally {
  a.close()
  b.close()
}
