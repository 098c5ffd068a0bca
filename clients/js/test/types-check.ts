// Compiled (never run) by `npm run types`: the package's types accept real use and refuse
// mistakes (each @ts-expect-error must be an error, or tsc fails).
import { CollabClient, CloseCode, SdkError, parseJoin, type ChatMsg, type CollabMessage } from '@collabd/client'

export async function use (link: string): Promise<void> {
  const client = await CollabClient.connect(link, { clientName: 'types', backoff: [100, 1000] })
  client.code.insert(0, 'x')
  client.meta.set('language', 'python')
  const msg: ChatMsg = await client.postChat('hi')
  const id: number = msg.id
  const text: string = msg.text
  client.on('phase', (phase, previous) => { console.log(phase.toUpperCase(), previous) })
  client.on('chat', (m) => { console.log(m.from, m.text.length) })
  client.on('close', (info) => { console.log(info.terminal, info.name) })
  client.on('message', (m: CollabMessage) => {
    if (m.t === 'unmask.result') console.log(m.unmasked, m.identity)
  })
  await client.submitFeedback({ would_hire: true, technical: 3, problem_solving: 4, communication: 3 })
  await client.answerUnmask('yes')
  await client.consentRecording(true)
  client.on('recording', (r) => { console.log(r.on, r.mine, r.theirs) })
  const chunks = await client.fetchRecording()
  console.log(chunks.map((c) => c.ts + c.ms), client.recording?.allowed)
  // @ts-expect-error: consent is a boolean
  await client.consentRecording('yes')
  const code: 4400 = CloseCode.BAD
  const { room } = parseJoin(link)
  console.log(id, text, code, room, new SdkError('x').code)
  client.sendMessage({ t: 'chat.post', text: 'raw' })
  // @ts-expect-error: not an answer
  await client.answerUnmask('maybe')
  // @ts-expect-error: not an event
  client.on('nope', () => {})
  // @ts-expect-error: a chat.post has no field `body`
  client.sendMessage({ t: 'chat.post', body: 'raw' })
  // @ts-expect-error: the interviewer form needs its scores
  await client.submitFeedback({ would_hire: true })
  client.close()
}
