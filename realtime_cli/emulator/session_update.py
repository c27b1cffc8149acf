"""`session.update`: check against the service's rules, merge, answer `session.updated`."""

from __future__ import annotations

from realtime_cli.emulator.machine_core import MachineCore
from realtime_cli.emulator.session_config import (
    check_session,
    merge_session,
)
from realtime_cli.protocol import (
    SessionUpdate,
    SessionUpdated,
)

__all__ = ["SessionUpdates"]


class SessionUpdates(MachineCore):
    """The session configuration concern."""

    def _on_session_update(self, event: SessionUpdate) -> None:
        check_session(event.session, self.session, audio_produced=self.audio_produced)
        self.session = merge_session(self.session, event.session)
        self._configure_vad()
        self._emit_later(
            self.realism.session_updated_s,
            SessionUpdated(event_id=self._eid(), session=self.session),
        )
