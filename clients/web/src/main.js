/**
 * Entry point. `/join#token=...` (or any path with a token in the hash) opens the interview
 * room; anything else shows the start page.
 */
import { tokenFromHash, decodeToken, isExpired, TokenError } from './token.js'
import { mountStart } from './start.js'
import { mountRoom } from './room.js'

function boot () {
  const app = document.getElementById('app')
  const token = tokenFromHash(location.hash)
  if (!token) {
    mountStart(app)
    return
  }
  let payload
  try {
    payload = decodeToken(token)
  } catch (err) {
    if (!(err instanceof TokenError)) throw err
    mountStart(app, { error: `This join link is not valid (${err.message}). Ask for a new one.` })
    return
  }
  if (isExpired(payload, Date.now())) {
    mountStart(app, { error: 'This join link has expired. Ask for a new one.' })
    return
  }
  mountRoom(app, { token, payload })
}

// A new token in the hash means a different room: start over.
window.addEventListener('hashchange', () => location.reload())
boot()
