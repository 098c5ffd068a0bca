/**
 * The room inside another site's page (docs/embedding.md). The server names the origins that
 * may frame it (`--frame-ancestor`, in the meta tag `collabd-frame-ancestors`); when the page is
 * framed by one of them, it tells the parent what happens with postMessage, always to a listed
 * origin by name (never '*': the browser drops a message whose target is not the parent's
 * origin), and takes a few commands from a listed origin only. Events carry only what the
 * participant sees on the page: no token, no real identity, no feedback answers.
 *
 * Event:   {collabd: 1, type, ...}      joined, phase, feedback.submitted, reveal, unmask,
 *                                       closed, refused, left
 * Command: {collabd: 1, command, ...}  theme {theme: 'light'|'dark'}, leave
 * Anything else (another version, an unknown command, a bad argument, another origin or
 * window) is ignored and counted in `ignored`.
 */
export const EMBED_VERSION = 1
const CLOSED_PHASES = new Set(['unmasked', 'sealed'])

/** The origins the server allows to frame this page (none: the page is not embeddable). */
export function allowedParents (doc) {
  const meta = doc.querySelector('meta[name="collabd-frame-ancestors"]')
  return meta ? meta.content.split(/\s+/).filter(Boolean) : []
}

/**
 * Where events go: the parent's origin when the browser tells it (ancestorOrigins, or the
 * referrer) and it is listed; otherwise every listed origin, each delivered only if it is
 * the parent's.
 */
export function eventTargets (allowed, { ancestorOrigins = null, referrer = '' } = {}) {
  let parent = ancestorOrigins && ancestorOrigins.length ? ancestorOrigins[0] : ''
  if (!parent && referrer) {
    try {
      parent = new URL(referrer).origin
    } catch {
      parent = ''
    }
  }
  return allowed.includes(parent) ? [parent] : allowed.slice()
}

/**
 * Connect a room to its parent. `parent`: the window to post to; `listen(fn)`: subscribe to
 * the page's message events; `state`: the RoomState; `conn`: the connection (status, refusal);
 * `actions`: {setTheme(theme), leave()}.
 */
export function createEmbed ({ parent, listen, targets, state, conn, actions }) {
  const embed = { ignored: 0, sent: [], left: false }
  const post = (type, fields = {}) => {
    const msg = { collabd: EMBED_VERSION, type, ...fields }
    embed.sent.push(msg)
    for (const origin of targets) parent.postMessage(msg, origin)
  }

  let joined = false
  state.on('you', () => {
    if (joined || !state.you.name) return
    joined = true
    post('joined', { role: state.you.role, name: state.you.name })
  })
  let phase = ''
  state.on('session', () => {
    const next = state.phase
    if (!next || next === phase) return
    const previous = phase
    phase = next
    post('phase', { phase: next, previous })
    if (CLOSED_PHASES.has(next)) post('closed', { reason: state.session.close_reason || '' })
  })
  let submitted = false
  let revealed = false
  state.on('feedback', () => {
    const f = state.feedback
    if (!submitted && f.mine === 'submitted') {
      submitted = true
      post('feedback.submitted', {})
    }
    if (!revealed && f.reveal) {
      revealed = true
      post('reveal', { unmask_offered: Boolean(state.session && state.session.unmask_offered) })
    }
  })
  let answered = false
  state.on('unmask', () => {
    if (answered || !state.unmask.result) return
    answered = true
    post('unmask', { unmasked: Boolean(state.unmask.result.unmasked) })
  })
  let refused = false
  conn.onChange(() => {
    if (refused || conn.status !== 'refused') return
    refused = true
    post('refused', { code: (conn.refusal && conn.refusal.code) || '' })
  })

  const COMMANDS = {
    theme (msg) {
      if (msg.theme !== 'light' && msg.theme !== 'dark') return false
      actions.setTheme(msg.theme)
      return true
    },
    leave () {
      if (embed.left) return false
      embed.left = true
      actions.leave()
      post('left', {})
      return true
    }
  }
  listen((e) => {
    const msg = e.data
    const ok = e.source === parent && targets.includes(e.origin) && msg !== null &&
      typeof msg === 'object' && msg.collabd === EMBED_VERSION &&
      Object.hasOwn(COMMANDS, msg.command) && COMMANDS[msg.command](msg)
    if (!ok) embed.ignored += 1
  })
  return embed
}

/** Where this page's events go: nowhere unless it is framed and the server allows framing. */
function pageTargets () {
  if (window.parent === window) return []
  const allowed = allowedParents(document)
  if (!allowed.length) return []
  return eventTargets(allowed, { ancestorOrigins: location.ancestorOrigins, referrer: document.referrer })
}

/** A link the page cannot open (before any room): tell the parent, as the room would. */
export function announceRefusal (code) {
  for (const origin of pageTargets()) window.parent.postMessage({ collabd: EMBED_VERSION, type: 'refused', code }, origin)
}

/** The room's hook. */
export function connectEmbed ({ state, conn, actions }) {
  const targets = pageTargets()
  if (!targets.length) return null
  return createEmbed({
    parent: window.parent,
    listen: (fn) => window.addEventListener('message', fn),
    targets,
    state,
    conn,
    actions
  })
}
