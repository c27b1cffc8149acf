"""The two ways a wire frame or an outgoing event can be wrong."""

from __future__ import annotations

from realtime_cli.errors import RtError, UsageError

__all__ = ["InvalidClientEvent", "ProtocolError"]

#: How much of an offending frame an error keeps: enough to recognise it in a log.
RAW_LIMIT = 300


def _cut(raw: bytes | str) -> str:
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes | bytearray) else raw
    return text if len(text) <= RAW_LIMIT else text[:RAW_LIMIT] + f"... ({len(text)} chars)"


class ProtocolError(RtError):
    """A frame that cannot be decoded: not JSON, no string `type`, or a known event whose
    shape is wrong. `raw` keeps the start of the frame; `event_type` the type if it had one."""

    def __init__(self, reason: str, raw: bytes | str, event_type: str | None = None) -> None:
        self.reason = reason
        self.raw = _cut(raw)
        self.event_type = event_type
        # The message stays on one line: a frame's own newlines are shown escaped.
        super().__init__(f"{reason}: {self.raw.replace(chr(10), chr(92) + 'n')}")


class InvalidClientEvent(UsageError, ValueError):
    """An outgoing event breaks a GA rule; raised before anything is sent.

    `path` is the field's path in the event (for example `session.audio.output.speed`) and
    `rule` says what is allowed.
    """

    def __init__(self, path: str, rule: str) -> None:
        self.path = path
        self.rule = rule
        super().__init__(f"invalid client event: {path}: {rule}")
