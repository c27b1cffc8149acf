"""The end of a session: the maximum duration (the `session_expired` error, then the close)
or the client's `session.close`."""

from __future__ import annotations

from realtime_cli.emulator.faults import session_expired_close, session_expired_error
from realtime_cli.emulator.machine_core import MachineCore
from realtime_cli.protocol import (
    Error,
)

__all__ = ["Lifetime"]


class Lifetime(MachineCore):
    """The session's end concern."""

    def _expire(self) -> None:
        assert self.lifetime is not None
        self._emit(Error(event_id=self._eid(), error=session_expired_error(self.lifetime)))
        self._timers.clear()
        self.close_request = session_expired_close(self.lifetime)

    def _on_session_close(self) -> None:
        """`session.close`: the service accepts it (PROTOCOL.md section 11); what follows is
        not documented. The harsher guess: the socket closes (1000) at once, with no
        acknowledging event, and what was in flight is dropped: no `response.done` for an
        active response, no pending transcription or `rate_limits.updated`."""
        for active in self._active.values():
            if active.generator is not None:
                active.generator.close()
        self._active.clear()
        self._timers.clear()
        self.close_request = (1000, "")
