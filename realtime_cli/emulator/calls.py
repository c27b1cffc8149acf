"""WebRTC and SIP calls known to the emulator (created by `POST /calls` or by a test)."""

from __future__ import annotations

from dataclasses import dataclass, field

from realtime_cli.protocol import Session

__all__ = ["Call", "CallRegistry"]


@dataclass
class Call:
    """A call and what was done to it.

    `state` is `ringing` (an incoming SIP call not yet answered), `active`, `rejected`,
    `referred` or `ended`. `history` lists the REST actions in order, for tests.
    """

    id: str
    transport: str
    state: str
    session: Session | None = None
    sdp_offer: str | None = None
    history: list[str] = field(default_factory=list)
    reject_status: int | None = None
    refer_target: str | None = None


class CallRegistry:
    """Calls by id."""

    def __init__(self) -> None:
        self.calls: dict[str, Call] = {}

    def add(self, call: Call) -> Call:
        """Register a call."""
        self.calls[call.id] = call
        return call

    def get(self, call_id: str) -> Call | None:
        """The call with this id, if any."""
        return self.calls.get(call_id)
