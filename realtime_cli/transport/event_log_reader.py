"""Reading back a `--log` file written by `EventLog` (see event_log.py for the format)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import msgspec

from realtime_cli.errors import RtError

__all__ = ["LogEntry", "LogReadError", "read_event_log"]

_DECODER = msgspec.json.Decoder()


class LogReadError(RtError):
    """The log file cannot be read at all (missing, a directory, not text)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of a traffic log.

    `event` is the JSON object of the frame; `raw` the text of a frame that was not one; a
    line that is not a log entry at all (cut by a crash, edited by hand) has neither and says
    why in `problem`.
    """

    line: int
    t: float
    direction: Literal["send", "recv"] | None
    event: dict[str, Any] | None = None
    raw: str | None = None
    problem: str | None = None

    @property
    def type(self) -> str | None:
        """The event's `type`, when it has a string one."""
        kind = None if self.event is None else self.event.get("type")
        return kind if isinstance(kind, str) else None


def _entry(number: int, text: str, last_t: float) -> LogEntry:
    try:
        data = _DECODER.decode(text)
    except msgspec.DecodeError:
        return LogEntry(number, last_t, None, problem="not JSON")
    if not isinstance(data, dict):
        return LogEntry(number, last_t, None, problem="not a JSON object")
    t = data.get("t")
    direction = data.get("dir")
    if not isinstance(t, int | float) or isinstance(t, bool) or not math.isfinite(t):
        return LogEntry(number, last_t, None, problem="no time 't'")
    if direction not in ("send", "recv"):
        return LogEntry(number, float(t), None, problem="no direction 'dir'")
    event = data.get("event")
    if isinstance(event, dict):
        return LogEntry(number, float(t), direction, event=event)
    raw = data.get("raw")
    if isinstance(raw, str):
        return LogEntry(number, float(t), direction, raw=raw)
    return LogEntry(number, float(t), direction, problem="neither 'event' nor 'raw'")


def iter_event_log(lines: Iterator[str]) -> Iterator[LogEntry]:
    """Parse log lines (blank lines skipped); a bad line becomes an entry with a `problem`."""
    last_t = 0.0
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        entry = _entry(number, text, last_t)
        last_t = entry.t
        yield entry


def read_event_log(path: str | Path) -> list[LogEntry]:
    """All entries of the log at `path`; raises `LogReadError` if it cannot be read."""
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as stream:
            return list(iter_event_log(stream))
    except OSError as exc:
        raise LogReadError(f"cannot read log {path}: {exc.strerror or exc}") from exc
