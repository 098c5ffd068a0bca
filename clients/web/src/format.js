/** Small pure formatting helpers shared by the views. */

/** "12:05" or "1:02:03" for a remaining duration in ms (never negative). */
export function formatRemaining (ms) {
  const total = Math.max(0, Math.ceil(ms / 1000))
  const s = total % 60
  const m = Math.floor(total / 60) % 60
  const hours = Math.floor(total / 3600)
  const pad = (n) => String(n).padStart(2, '0')
  return hours > 0 ? `${hours}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`
}

/** "14:03" in the viewer's locale for a server timestamp (ms). */
export function formatClock (ts) {
  const d = new Date(ts)
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}

/**
 * A deadline as a person reads it: "14:03" today, "Tue 8 Dec, 14:03" on another day, with how
 * far away it is when that is under a day ("in 5 min", "in 2 h 10 min").
 */
export function formatDeadline (ts, now = Date.now()) {
  const d = new Date(ts)
  const clock = formatClock(ts)
  const sameDay = d.toDateString() === new Date(now).toDateString()
  const when = sameDay ? clock : `${d.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })}, ${clock}`
  const rel = formatRelative(ts - now)
  return rel ? `${when}, ${rel}` : when
}

/** "in 5 min", "in 2 h 10 min", "in under a minute"; '' when past or a day or more away. */
export function formatRelative (ms) {
  if (ms <= 0 || ms >= 24 * 3600 * 1000) return ''
  const min = Math.floor(ms / 60000)
  if (min < 1) return 'in under a minute'
  if (min < 60) return `in ${min} min`
  return `in ${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`
}

export const PHASE_LABELS = {
  lobby: 'Waiting for the other participant',
  live: 'Interview in progress',
  ended: 'Interview ended',
  feedback: 'Feedback',
  revealed: 'Feedback revealed',
  unmasked: 'Unmasked',
  sealed: 'Closed'
}

/** The phase in a word or two, for a phone-sized header. */
export const PHASE_SHORT = {
  lobby: 'Waiting',
  live: 'Live',
  ended: 'Ended',
  feedback: 'Feedback',
  revealed: 'Revealed',
  unmasked: 'Unmasked',
  sealed: 'Closed'
}

export function phaseLabel (phase) {
  return PHASE_LABELS[phase] || (phase ? String(phase) : '')
}

/** What the countdown means in each phase. */
export function timerLabel (phase) {
  switch (phase) {
    case 'live': return 'left'
    case 'lobby': return 'until the start'
    case 'ended':
    case 'feedback': return 'to submit feedback'
    case 'revealed': return 'to decide on unmasking'
    default: return 'left'
  }
}

export const ROLE_LABELS = { interviewer: 'Interviewer', interviewee: 'Candidate', guest: 'Guest' }

export function roleLabel (role) {
  return ROLE_LABELS[role] || 'Participant'
}

export const STATUS_LABELS = {
  connected: 'online',
  online: 'online',
  reconnecting: 'reconnecting',
  absent: 'not here yet',
  away: 'away',
  waiting: 'not here yet',
  left: 'left',
  offline: 'offline'
}

export function statusLabel (status) {
  return STATUS_LABELS[status] || (status ? String(status) : 'not here yet')
}
