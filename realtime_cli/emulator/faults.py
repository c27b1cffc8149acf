"""Fault modes: ways the emulator can misbehave on purpose, so clients can be tested against
the failures a real network and service produce.

    async with Emulator(faults={"drop-1011"}) as emu:     # or emu.faults.add("malformed")
        ...

`rt emulator --fault NAME` (repeatable) switches the same faults on. The set is read at the
moment each fault matters (a new TCP connection, a REST request, a delta being sent, a session
starting), so a test may change `Emulator.faults` while clients are connected. One-shot
faults (`rest-429`, `rest-500`) remove themselves from the set once they fired.

Where each lives: socket and timing faults are in the I/O adapter (`server.py`); the content
of what is sent (malformed frames, the expiry `error`) is built here or by the sans-I/O
`SessionMachine`, which also owns the pacing that `slow-response` stretches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import msgspec

from realtime_cli.errors import UsageError
from realtime_cli.protocol import ErrorDetails

__all__ = [
    "DELTA_TYPES",
    "FAULTS",
    "MALFORMED_FRAMES",
    "ONE_SHOT_FAULTS",
    "PART_END_TYPES",
    "SESSION_EXPIRED_CLOSE",
    "FaultSettings",
    "check_faults",
    "session_expired_error",
]

#: Every fault name, with what it does (shown by `rt emulator --help`).
FAULTS: dict[str, str] = {
    "drop-1011": "close the websocket with 1011 in the middle of a response",
    "drop-reset": "reset the TCP connection (RST, no close frame) in the middle of a response",
    "stop-reading": "stop reading from the client after session.created; keep the socket open",
    "malformed": "send malformed frames between valid ones (non-JSON, no type, unknown "
    "type, broken known type, binary)",
    "slow-response": "pause between the deltas of a response (--slow-pause seconds)",
    "rest-429": "answer the next REST request with 429 and Retry-After: 1",
    "rest-500": "answer the next REST request with 500",
    "no-handshake": "accept TCP connections but never answer the upgrade or REST request",
    "expire": "sessions expire after --expire-after seconds: error session_expired, close",
}

#: Faults that fire once and then switch themselves off.
ONE_SHOT_FAULTS = frozenset({"rest-429", "rest-500"})

#: Server events that carry a piece of a response (what the drop faults count).
DELTA_TYPES = frozenset(
    {
        "response.output_text.delta",
        "response.output_audio.delta",
        "response.output_audio_transcript.delta",
        "response.function_call_arguments.delta",
    }
)

#: Events after which a response has no more deltas for its current part: a drop fault fires
#: here at the latest, so a short answer is still cut in the middle.
PART_END_TYPES = frozenset(
    {
        "response.output_text.done",
        "response.output_audio.done",
        "response.output_audio_transcript.done",
        "response.function_call_arguments.done",
    }
)

# The 60-minute cap on the live service: captured (beta era, livekit/agents#1122) as
# {"type": "invalid_request_error", "code": "session_expired",
#  "message": "Your session hit the maximum duration of 15 minutes."}. The close that follows
# was not captured; 1000 with reason "<type>.<code>" (as for the service's fatal closes) is a
# guess.
SESSION_EXPIRED_CLOSE = (1000, "invalid_request_error.session_expired")

#: Raw frames the `malformed` fault sends (str: a text frame, bytes: a binary frame).
MALFORMED_FRAMES: tuple[str | bytes, ...] = (
    "this is not JSON {",
    '{"event_id": "event_fault_1", "delta": "an object without a type"}',
    msgspec.json.encode(
        {
            "type": "response.future_feature.delta",
            "event_id": "event_fault_2",
            "delta": "from a newer API",
            "extra": {"nested": [1, 2, 3], "flag": True},
        }
    ).decode(),
    '{"type": "response.output_text.delta", "event_id": "event_fault_3"}',
    b"\x00\x01 a binary frame \xff\xfe",
)


def session_expired_error(lifetime_s: float) -> ErrorDetails:
    """The `error` the service sends when a session reaches its maximum duration."""
    minutes = lifetime_s / 60
    amount, unit = (minutes, "minute") if minutes >= 1 else (lifetime_s, "second")
    duration = f"{amount:g} {unit}{'' if amount == 1 else 's'}"
    return ErrorDetails(
        type="invalid_request_error",
        code="session_expired",
        message=f"Your session hit the maximum duration of {duration}.",
        param=None,
        event_id=None,
    )


def check_faults(names: Iterable[str]) -> set[str]:
    """The fault names as a set; `UsageError` naming the valid ones for an unknown name."""
    wanted = set(names)
    unknown = sorted(wanted - FAULTS.keys())
    if unknown:
        raise UsageError(
            f"unknown fault {', '.join(unknown)} (choose from {', '.join(sorted(FAULTS))})"
        )
    return wanted


@dataclass(frozen=True, kw_only=True)
class FaultSettings:
    """The knobs of the timing faults."""

    #: `slow-response`: seconds between two deltas of a response.
    slow_pause: float = 2.0
    #: `drop-1011`, `drop-reset`: deltas sent before the drop (or earlier, at a part's end).
    drop_after: int = 3
    #: `expire`: seconds from `session.created` to the expiry.
    expire_after: float = 3.0

    def __post_init__(self) -> None:
        if self.slow_pause < 0 or self.expire_after <= 0 or self.drop_after < 1:
            raise UsageError("slow_pause must be >= 0, expire_after > 0 and drop_after >= 1")
