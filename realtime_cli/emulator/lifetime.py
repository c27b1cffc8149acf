"""The session's maximum duration: the `session_expired` error, then the close."""

from __future__ import annotations

from realtime_cli.emulator.faults import session_expired_close, session_expired_error
from realtime_cli.emulator.machine_core import MachineCore
from realtime_cli.protocol import (
    Error,
)

__all__ = ["Lifetime"]


class Lifetime(MachineCore):
    """The session cap concern."""

    def _expire(self) -> None:
        assert self.lifetime is not None
        self._emit(Error(event_id=self._eid(), error=session_expired_error(self.lifetime)))
        self._timers.clear()
        self.close_request = session_expired_close(self.lifetime)
