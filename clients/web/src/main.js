/**
 * Entry point. `/join#token=...` (or any path with a token in the hash) opens the interview
 * room; anything else shows the start page.
 */
import { tokenFromHash, decodeToken, isExpired, TokenError } from '@collabd/client'
import { mountStart } from './start.js'
import { mountRoom } from './room.js'
import { linkProblem, mountLinkProblem } from './link-problem.js'
import { applyTheme, currentTheme } from './theme.js'
import { announceRefusal } from './embed.js'

function boot () {
  applyTheme(currentTheme())
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
    mountLinkProblem(app, { code: 'malformed', ...linkProblem('malformed') })
    announceRefusal('malformed')
    return
  }
  if (isExpired(payload, Date.now())) {
    mountLinkProblem(app, { code: 'expired_token', ...linkProblem('expired_token') })
    announceRefusal('expired_token')
    return
  }
  mountRoom(app, { token, payload })
}

// A new token in the hash means a different room: start over.
window.addEventListener('hashchange', () => location.reload())
boot()
