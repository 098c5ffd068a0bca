/**
 * Join tokens: `v1.<b64url(JSON payload)>.<b64url(hmac)>`. The client cannot verify the HMAC (the
 * server does); it only reads the payload {room, pid, role, exp} to know where to connect and
 * which views to show before the server's welcome arrives. Roles: interviewer, interviewee, and
 * guest (a plain pairing room without the interview lifecycle).
 */

export class TokenError extends Error {
  constructor (message) {
    super(message)
    this.name = 'TokenError'
  }
}

function b64urlDecode (text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TokenError('token is not base64url')
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4)
  let binary
  try {
    binary = atob(b64)
  } catch {
    throw new TokenError('token is not base64url')
  }
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new TokenError('token payload is not UTF-8')
  }
}

/** Decode a join token's payload. Throws TokenError for anything malformed. */
export function decodeToken (token) {
  if (typeof token !== 'string') throw new TokenError('no token')
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] !== 'v1') throw new TokenError('not a v1 join token')
  if (!/^[A-Za-z0-9_-]+$/.test(parts[2])) throw new TokenError('token signature is not base64url')
  let payload
  try {
    payload = JSON.parse(b64urlDecode(parts[1]))
  } catch (err) {
    if (err instanceof TokenError) throw err
    throw new TokenError('token payload is not JSON')
  }
  if (payload === null || typeof payload !== 'object' || typeof payload.room !== 'string' || !payload.room) {
    throw new TokenError('token names no room')
  }
  return {
    room: payload.room,
    pid: typeof payload.pid === 'string' ? payload.pid : '',
    role: typeof payload.role === 'string' ? payload.role : '',
    exp: typeof payload.exp === 'number' ? payload.exp : null
  }
}

/** The token from a location hash such as `#token=v1.xxx.yyy` (other hash params are ignored). */
export function tokenFromHash (hash) {
  const params = new URLSearchParams(String(hash || '').replace(/^#/, ''))
  const token = params.get('token')
  return token || null
}

/** True when the token's exp (seconds since epoch) has passed at `nowMs`. */
export function isExpired (payload, nowMs) {
  return payload.exp !== null && payload.exp * 1000 <= nowMs
}
