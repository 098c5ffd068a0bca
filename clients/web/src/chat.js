/**
 * The chat panel: history (server-ordered by id), pending posts, a typing indicator and a
 * composer. Enter sends, Shift+Enter starts a new line. The panel reports whether it is on
 * screen to RoomState, which keeps the unread count.
 */
import { h, dot } from './dom.js'
import { readableOn } from './color.js'
import { formatClock } from './format.js'

const TYPING_IDLE_MS = 3000
const DEFAULT_MAX_LEN = 2000

export function createChat (parent, { state, send, onClose, whyNotSent = () => 'the connection to the server is down.', textBackground = () => '#ffffff' }) {
  // a list with a live region (role=log would hide the list semantics of its items)
  const log = h('ol', { class: 'chat-log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': 'Conversation', tabindex: '0' })
  const typing = h('p', { class: 'chat-typing', 'aria-live': 'polite' })
  const input = h('textarea', {
    class: 'chat-input',
    rows: '2',
    placeholder: 'Message (Enter to send, Shift+Enter for a new line)',
    'aria-label': 'Chat message'
  })
  const sendBtn = h('button', { type: 'submit', class: 'primary' }, 'Send')
  const notice = h('p', { class: 'chat-notice', role: 'status' })
  const form = h('form', { class: 'chat-form', onsubmit: (e) => { e.preventDefault(); submit() } }, input, sendBtn)
  const root = h('section', { class: 'chat-panel', 'aria-label': 'Chat' },
    h('div', { class: 'panel-head' },
      h('h2', { class: 'panel-title' }, 'Chat'),
      onClose ? h('button', { type: 'button', class: 'link chat-close', 'aria-label': 'Close chat', onclick: onClose }, '×') : null),
    log, typing, notice, form)
  parent.append(root)

  let typingOn = false
  let typingTimer = null

  function setTyping (on) {
    clearTimeout(typingTimer)
    if (on) typingTimer = setTimeout(() => setTyping(false), TYPING_IDLE_MS)
    if (on === typingOn) return
    typingOn = on
    send({ t: 'chat.typing', on })
  }

  function maxLen () {
    const limits = state.limits || {}
    const v = limits.chat_max_len ?? limits.chat_max_chars ?? limits.chat_max
    return typeof v === 'number' && v > 0 ? v : DEFAULT_MAX_LEN
  }

  function submit (textOverride) {
    const text = (textOverride ?? input.value).trim()
    if (!text) return
    if (text.length > maxLen()) {
      notice.textContent = `Messages can be at most ${maxLen()} characters.`
      return
    }
    const msg = state.postChat(text)
    if (!send(msg)) {
      state.failPendingChat(whyNotSent())
    }
    if (textOverride === undefined) input.value = ''
    notice.textContent = ''
    setTyping(false)
  }

  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault()
      submit()
    }
  })
  input.addEventListener('input', () => setTyping(input.value.trim().length > 0))
  input.addEventListener('blur', () => setTyping(false))

  function nameOf (from) {
    if (state.isMine(from)) return 'You'
    return typeof from.name === 'string' && from.name ? from.name : 'Participant'
  }

  function renderLog () {
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40
    const items = state.chat.messages.map((m) => h('li', {
      class: `chat-msg${state.isMine(m.from) ? ' mine' : ''}`,
      dataset: { id: String(m.id) }
    },
    h('span', { class: 'chat-meta' },
      dot(m.from.color),
      h('span', { class: 'chat-name', style: { color: readableOn(m.from.color, textBackground()) } }, nameOf(m.from)),
      typeof m.ts === 'number' ? h('time', { datetime: new Date(m.ts).toISOString() }, formatClock(m.ts)) : null),
    h('span', { class: 'chat-text' }, m.text)))
    for (const p of state.chat.pending) {
      items.push(h('li', { class: `chat-msg mine pending ${p.status}` },
        h('span', { class: 'chat-meta' }, h('span', { class: 'chat-name' }, 'You'),
          h('span', { class: 'chat-status' }, p.status === 'failed' ? `Not delivered: ${p.error}` : 'sending…')),
        h('span', { class: 'chat-text' }, p.text),
        p.status === 'failed'
          ? h('span', { class: 'chat-actions' },
            h('button', { type: 'button', class: 'link', onclick: () => { state.dropPending(p.nonce); submit(p.text) } }, 'Retry'),
            h('button', { type: 'button', class: 'link', onclick: () => state.dropPending(p.nonce) }, 'Discard'))
          : null))
    }
    if (items.length === 0) {
      const closed = state.phase === 'sealed' || state.phase === 'unmasked'
      items.push(h('li', { class: 'chat-empty' }, closed ? 'No messages were sent in this interview.' : 'No messages yet. Say hello!'))
    }
    log.replaceChildren(...items)
    if (nearBottom || state.chat.pending.length) log.scrollTop = log.scrollHeight
  }

  function renderTyping () {
    const t = state.typing
    typing.textContent = t ? `${t.from.name || 'The other participant'} is typing…` : ''
  }

  function renderDisabled () {
    const closed = !state.may('chat')
    input.disabled = closed
    sendBtn.disabled = closed
    if (closed) notice.textContent = 'The chat is closed.'
    renderLog()
  }

  state.on('chat', renderLog)
  state.on('typing', renderTyping)
  state.on('session', renderDisabled)
  state.on('you', () => { input.maxLength = maxLen() })
  const typingSweep = setInterval(() => state.expireTyping(Date.now()), 1000)
  renderLog()
  renderTyping()

  return {
    root,
    focus: () => input.focus(),
    rerender: renderLog,
    destroy: () => clearInterval(typingSweep)
  }
}
