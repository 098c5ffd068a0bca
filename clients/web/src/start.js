/**
 * The start page. With the server's embedded defaults, "Start a practice interview" creates a
 * session (POST /api/practice) and shows the two join links to open in two windows. Servers
 * embedded in an interview platform send join links themselves; then this page says so.
 */
import { h, replaceChildren } from './dom.js'

export function mountStart (app, { error = '' } = {}) {
  const status = h('p', { class: 'start-status', role: 'status' })
  const links = h('div', { class: 'start-links' })
  const button = h('button', { type: 'button', class: 'primary big', onclick: start }, 'Start a practice interview')

  async function start () {
    button.disabled = true
    status.textContent = 'Creating a practice session…'
    replaceChildren(links)
    try {
      const res = await fetch('/api/practice', { method: 'POST', headers: { Accept: 'application/json' } })
      if (!res.ok) {
        let detail = ''
        try {
          const body = await res.json()
          detail = (body && (body.message || (body.error && body.error.message) || body.error)) || ''
        } catch {}
        if (res.status === 404 || res.status === 403) {
          status.textContent = 'This server does not offer practice sessions. Your interview platform sends you a join link.'
        } else {
          status.textContent = `Could not create a session (${res.status}${typeof detail === 'string' && detail ? `: ${detail}` : ''}).`
        }
        return
      }
      const body = await res.json()
      showLinks(body)
    } catch (err) {
      status.textContent = 'Could not reach the server. Check your connection and try again.'
    } finally {
      button.disabled = false
    }
  }

  function showLinks (body) {
    const l = (body && body.links) || {}
    status.textContent = 'Your practice session is ready. Open one link in each window (or send one to a friend).'
    const row = (role, title, help) => {
      const url = new URL(String(l[role] || ''), location.href).href
      const input = h('input', { type: 'text', readonly: true, value: url, 'aria-label': `${title} link`, class: 'link-input', onfocus: (e) => e.target.select() })
      const copied = h('span', { class: 'copied', role: 'status' })
      return h('section', { class: 'link-card', dataset: { role } },
        h('h2', {}, title),
        h('p', { class: 'help' }, help),
        input,
        h('div', { class: 'actions' },
          h('a', { class: 'button primary', href: url, target: '_blank', rel: 'noopener' }, `Open as ${title.toLowerCase()}`),
          h('button', {
            type: 'button',
            onclick: async () => {
              try {
                await navigator.clipboard.writeText(url)
                copied.textContent = 'Copied.'
              } catch {
                input.select()
                copied.textContent = 'Press Ctrl+C to copy.'
              }
            }
          }, 'Copy link'),
          copied))
    }
    replaceChildren(links,
      row('interviewer', 'Interviewer', 'Asks the question, ends the interview and rates the candidate.'),
      row('interviewee', 'Candidate', 'Solves the problem, rates the interviewer and privately guesses how it went.'))
  }

  replaceChildren(app, h('main', { class: 'start' },
    h('h1', {}, 'collabd'),
    h('p', { class: 'lead' }, 'Anonymous technical interviews: a shared code editor, a whiteboard, chat and a voice call. You see each other only as pseudonyms. After the interview you both give feedback, see it at the same moment, and may choose to reveal who you are if you both agree.'),
    error ? h('p', { class: 'error', role: 'alert' }, error) : null,
    button,
    status,
    links))
}
