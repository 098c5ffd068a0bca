// A whole interview from Node with @collabd/client: create a session with the API key, join
// both participants, type, chat, end, both feedback forms, the reveal, both unmask answers.
//
//   cd examples/node-interview && npm install && node interview.mjs http://127.0.0.1:8080 "$(collabd api-key)"
import WebSocket from 'ws'
import { CollabClient, SessionsApi } from '@collabd/client'

const [server = 'http://127.0.0.1:8080', apiKey = process.env.COLLABD_API_KEY] = process.argv.slice(2)
const api = new SessionsApi({ server, apiKey })
const session = await api.createSession({
  interviewer: { name: 'Ada Example', email: 'ada@acme.example' },
  interviewee: { name: 'Bo Example', email: 'bo@mail.example' }
})
const er = await CollabClient.connect(session.interviewer.join_url, { WebSocket })
const ee = await CollabClient.connect(session.interviewee.join_url, { WebSocket })
console.log(`interviewer ${er.you.name} and candidate ${ee.you.name} joined`)
await Promise.all([er.waitFor((c) => c.phase === 'live'), ee.waitFor((c) => c.phase === 'live')])

// The code is a Y.Text: any Yjs editor binding (CodeMirror, Monaco, ...) can sit on it.
ee.code.insert(0, 'def add(a, b):\n    return a + b\n')
await er.waitFor((c) => c.code.toString().includes('return a + b'))
await er.postChat('Nice. What about overflow?')
await ee.waitFor((c) => c.chat.some((m) => m.text.includes('overflow')))

await er.endInterview()
await ee.waitFor((c) => c.phase === 'feedback')
await er.submitFeedback({ would_hire: true, technical: 3, problem_solving: 3, communication: 4 })
await ee.submitFeedback({ would_work_with: true, question_quality: 4, helpfulness: 3, self_assessment: 2 })
await ee.waitFor((c) => c.reveal)
console.log('the candidate sees', JSON.stringify(ee.reveal.theirs), 'calibration', JSON.stringify(ee.reveal.calibration))

await Promise.all([er.waitFor((c) => c.unmaskStatus), ee.waitFor((c) => c.unmaskStatus)])
await er.answerUnmask('yes')
await ee.answerUnmask('yes')
await ee.waitFor((c) => c.unmaskResult)
console.log('unmasked:', ee.unmaskResult.unmasked, 'the interviewer is', ee.unmaskResult.identity.name)
const status = await api.getSession(session.session_id)
console.log('session', session.session_id, 'phase', status.phase)
er.close()
ee.close()
