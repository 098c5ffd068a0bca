/**
 * Join links: turn what an embedder hands out into a server, a room and a token.
 *
 * A join link looks like `http://HOST:PORT/join#token=T` (the token sits in the fragment so it
 * never reaches server logs); `?token=T` and a `ws://HOST/rooms/ROOM?token=T` room URL work too.
 * The client reads the token's payload only to learn the room: it cannot (and need not) check
 * the signature, the server does.
 */
import { decodeToken, TokenError } from './token.js'

export { TokenError }

/**
 * @param {string} linkOrToken  a join link, or a bare token (then `server` is required)
 * @param {string} [server]     `http(s)://host:port`, overrides the link's
 * @returns {{server: string, token: string, room: string, pid: string, role: string, exp: number|null}}
 */
export function parseJoin (linkOrToken, server) {
  const text = String(linkOrToken).trim()
  let token = text
  if (text.includes('://')) {
    let url
    try {
      url = new URL(text)
    } catch {
      throw new TokenError(`not a join link: ${text.slice(0, 80)}`)
    }
    token = new URLSearchParams(url.hash.replace(/^#/, '')).get('token') || url.searchParams.get('token')
    if (!token) throw new TokenError('the join link carries no token')
    const scheme = { 'ws:': 'http:', 'wss:': 'https:' }[url.protocol] || url.protocol
    server = server || `${scheme}//${url.host}`
  } else if (!server) {
    throw new TokenError("a bare token needs { server: 'http://host:port' }")
  }
  if (!server.includes('://')) server = `http://${server}`
  const payload = decodeToken(token)
  return { server: server.replace(/\/+$/, ''), token, ...payload }
}
