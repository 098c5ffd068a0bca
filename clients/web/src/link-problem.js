/**
 * One clear page for a join link that cannot work: what is wrong and what to do, nothing else on
 * screen (no editor, no call button). Used for links the client cannot read and for links the
 * server refuses (the upgrade's HTTP answer, SPEC 3.3, learned with a plain GET of the same URL
 * because browsers hide why a WebSocket upgrade failed).
 */
import { h, replaceChildren } from './dom.js'

const ASK = 'Ask the person who sent it (your interview platform or the organiser) for a new link.'

/** The text for a refusal code; null for a code that is not about the link itself. */
export function linkProblem (code) {
  switch (code) {
    case 'malformed': return { title: 'This join link is damaged', what: 'The link is incomplete or was changed after it was made, so it cannot open an interview room.', todo: `Copy the whole link again from the original message. If it still fails, ${ASK.toLowerCase()}` }
    case 'missing_token': return { title: 'This link has no join token', what: 'The link is missing the part that lets you into a room.', todo: ASK }
    case 'bad_token': return { title: 'This join link is not valid', what: 'The server did not accept this link: it was changed, damaged, or made for another server.', todo: ASK }
    case 'expired_token': return { title: 'This join link has expired', what: 'Join links work for a limited time, and this one is past it.', todo: ASK }
    case 'wrong_room': return { title: 'This join link does not match its room', what: 'The link points at a different room than the one it was made for.', todo: ASK }
    case 'not_found': return { title: 'This interview does not exist', what: 'The server has no interview session for this link (it may have been deleted).', todo: ASK }
    case 'not_allowed': return { title: 'This link does not let you into this interview', what: 'The server did not accept this link for this interview room.', todo: ASK }
    case 'bad_origin': return { title: 'This page cannot open the room', what: 'The server does not accept connections from this web address.', todo: 'Open the link exactly as you received it.' }
    default: return null
  }
}

/** Replace the whole page with the problem. */
export function mountLinkProblem (app, problem, detail = '') {
  replaceChildren(app, h('main', { class: 'start link-problem', 'data-problem': problem.code || '' },
    h('h1', {}, problem.title),
    h('p', { class: 'lead' }, problem.what),
    h('p', { class: 'todo' }, h('strong', {}, 'What to do: '), problem.todo),
    detail ? h('p', { class: 'help' }, `Details: ${detail}`) : null,
    h('p', {}, h('a', { href: '/' }, 'Go to the start page'))))
  document.title = `collabd — ${problem.title}`
}
