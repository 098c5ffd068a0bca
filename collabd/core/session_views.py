"""What each side of a session may see (``view_for``), what it may do (``actions_for``), and
the embedder's status view (``admin_view``): the only ways session state leaves the core."""

from __future__ import annotations

from typing import Any

from .lifecycle import ACTION_PHASES, ROLES, Phase, allowed, may
from .session_state import SessionState


class SessionViews(SessionState):
    """The views of a session's state (see session.py's docstring, step 3)."""

    def actions_for(self, pid: str) -> list[str]:
        """What ``pid`` may do now, by lifecycle.ACTION_PHASES and ACTION_ROLES (SPEC 8.2):
        it changes only with the phase. A form already sent is in the view's feedback."""
        role = self.participant(pid).role
        return [a for a in ACTION_PHASES if allowed(self.phase, a) and may(role, a)
                and (a != "replay" or self.revealed_at is not None)
                and (a != "answer_unmask" or self.unmask_offered)
                and (a not in ("consent_recording", "record") or self.options.recording)]

    def view_for(self, pid: str) -> dict[str, Any]:
        """Everything ``pid`` may see, and nothing else (JSON-able)."""
        me = self.participant(pid)
        them = self.other(pid)
        result: dict[str, Any] | None = None
        if self.phase is Phase.UNMASKED:
            result = {"unmasked": True, "identity": them.identity.to_dict()}
        elif self.phase is Phase.SEALED:
            result = {"unmasked": False, "identity": None}
        return {
            "session_id": self.id,
            "you": pid,
            "phase": self.phase.value,
            "participants": [
                {
                    "id": p.id,
                    "role": p.role,
                    "name": p.pseudonym.name,
                    "color": p.pseudonym.color,
                    "color_light": p.pseudonym.color_light,
                    "status": self._presence[p.id].status,
                }
                for p in self.participants
            ],
            "ends_at": self.phase_deadline(),
            "read_only": self.is_read_only(),
            "close_reason": self.close_reason if self.is_terminal() else None,
            "feedback": {**self._feedback.status_for(me.role), "deadline": self.feedback_deadline},
            "reveal": self._feedback.reveal_for(me.role) if self.revealed_at is not None else None,
            "unmask": {
                "offered": bool(self.unmask_offered),
                "mine": self._unmask.answers[me.role],
                "deadline": self.unmask_deadline,
            },
            "unmask_result": result,
            "recording": {
                "allowed": self.options.recording,
                "on": self.recording_on(),
                "mine": self._consent[me.role],
                "theirs": self._consent[them.role],
            },
            "actions": self.actions_for(pid),
        }

    def admin_view(self) -> dict[str, Any]:
        """Status for the embedder's API: phases, presence, times, flags; no form contents,
        no unmask answers, no identities."""
        return {
            "session_id": self.id,
            "phase": self.phase.value,
            "read_only": self.is_read_only(),
            "created_at": self.created_at,
            "started_at": self.started_at,
            "ends_at": self.ends_at,
            "ended_at": self.ended_at,
            "ended_by": self.ended_by,
            "feedback_deadline": self.feedback_deadline,
            "revealed_at": self.revealed_at,
            "unmask_deadline": self.unmask_deadline,
            "closed_at": self.closed_at,
            "close_reason": self.close_reason,
            "next_deadline": self.next_deadline(),
            "participants": [
                {
                    "id": p.id,
                    "role": p.role,
                    "pseudonym": p.pseudonym.name,
                    "status": self._presence[p.id].status,
                    "joined_at": self._presence[p.id].joined_at,
                    "feedback_submitted": self._feedback.submitted(p.role),
                }
                for p in self.participants
            ],
            "unmask": {
                "offered": self.unmask_offered,
                "unmasked": None if not self.is_terminal() else self.phase is Phase.UNMASKED,
            },
            "recording": {
                "allowed": self.options.recording,
                "on": self.recording_on(),
                "consented": [r for r in ROLES if self._consent[r] is True],
            },
        }
