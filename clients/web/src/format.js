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

export const PHASE_LABELS = {
  lobby: 'Waiting for both to join',
  live: 'Interview in progress',
  ended: 'Interview ended',
  feedback: 'Feedback',
  revealed: 'Feedback revealed',
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
