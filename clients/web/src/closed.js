/**
 * What a closed session says to each side: one true explanation per way a session can end
 * (the server's `session.close_reason`, SPEC 8.2). Pure, unit-tested under node.
 *
 * Privacy: a "no" to the unmask question is never attributed. The server sends the same reason
 * for a no and for an expired question; the text below only uses what this side already knows
 * (its own answer).
 */

/**
 * @param {object} o
 * @param {string|null} o.reason   session.close_reason
 * @param {string} o.role          'interviewer' | 'interviewee'
 * @param {{mine: string, theirs: string}} o.feedback
 * @param {string} o.unmaskMine    own unmask answer: 'pending' | 'yes' | 'no'
 * @param {string} o.otherName
 * @returns {{title: string, text: string, key: string}}
 */
export function closedExplanation ({ reason, role, feedback, unmaskMine = 'pending', otherName = '' }) {
  const other = otherName || (role === 'interviewer' ? 'the candidate' : 'the interviewer')
  const mine = feedback && feedback.mine === 'submitted'
  const theirs = feedback && feedback.theirs === 'submitted'
  switch (reason) {
    case 'ended_in_lobby':
      return {
        key: reason,
        title: 'This interview ended before it started',
        text: 'The interview was ended before both of you had joined, so there is nothing to give feedback on. ' +
          'Your identities stay private. If you still want to meet, ask for a new link.'
      }
    case 'cancelled':
      return {
        key: reason,
        title: 'This interview was cancelled',
        text: 'The organiser cancelled this interview. No feedback is revealed and your identities stay private.'
      }
    case 'feedback_expired': {
      let text
      if (mine && !theirs) text = `The feedback deadline passed before ${other} submitted theirs, so neither form is revealed. Your answers are kept for the organiser; ${other} will not see them.`
      else if (!mine && theirs) text = `The feedback deadline passed before you submitted yours, so neither form is revealed and ${other}'s feedback stays sealed.`
      else text = 'The feedback deadline passed before either of you submitted feedback, so there is nothing to reveal.'
      return { key: reason, title: 'The feedback window has closed', text: text + ' Your identities stay private.' }
    }
    case 'not_offered':
      return {
        key: reason,
        title: 'Unmasking was not offered',
        text: 'Unmasking is offered only when both sides answer positively (the interviewer would hire and the candidate would work with the interviewer). ' +
          'That was not the case, so your identities stay private.'
      }
    case 'no_mutual_unmask':
      if (unmaskMine === 'yes') {
        return {
          key: reason,
          title: 'No mutual unmask',
          text: `You said yes, but ${other} did not also say yes before the question closed, so your identities stay private. Your yes was not shown to them.`
        }
      }
      if (unmaskMine === 'no') {
        return {
          key: reason,
          title: 'No mutual unmask',
          text: `You chose to stay anonymous, so your identities stay private. ${other} is told only that there was no mutual unmask; if they said yes, they can tell that you did not.`
        }
      }
      return {
        key: reason,
        title: 'No mutual unmask',
        text: 'The unmask question closed without two yeses (a no, or the time to answer ran out), so your identities stay private.'
      }
    case 'unmasked':
      return { key: reason, title: 'You both chose to unmask', text: '' }
    default:
      return { key: 'closed', title: 'This interview is closed', text: 'Your identities stay private.' }
  }
}
