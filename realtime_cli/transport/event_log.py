"""A JSONL log of websocket traffic in both directions.

One line per frame: `{"t": seconds, "dir": "send"|"recv", "event": {...}}`, where `t` is
monotonic seconds since the log was opened. A frame that is not a JSON object is logged as
`{"t", "dir", "raw": "<text>"}`. Audio payloads (any string under an `audio` key, and the
`delta` of `response.output_audio.delta`) become their decoded byte length unless
`log_audio=True`. Each line is flushed as it is written, so a crash loses nothing, and the
API key is scrubbed from every line whatever field it turns up in.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

import msgspec

from realtime_cli.transport.redact import scrub

__all__ = ["Direction", "EventLog", "redact_audio"]

Direction = Literal["send", "recv"]

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder()
_RAW_LIMIT = 2000


def _decoded_size(text: str) -> int:
    """Bytes that base64 `text` decodes to, without decoding it."""
    return len(text.rstrip("=")) * 3 // 4


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _decoded_size(item) if key == "audio" and isinstance(item, str) else _redact(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact(item) for item in value]
    return value


def redact_audio(event: dict[str, Any]) -> dict[str, Any]:
    """A copy of a wire event with each audio payload replaced by its decoded byte length."""
    redacted: dict[str, Any] = _redact(event)
    if redacted.get("type") == "response.output_audio.delta" and isinstance(
        redacted.get("delta"), str
    ):
        redacted["delta"] = _decoded_size(redacted["delta"])
    return redacted


class EventLog:
    """Writes websocket frames as JSON lines to a text stream (see the module docstring).

    Use `EventLog.open(path)` for a file (appended to), or pass any text stream.
    """

    def __init__(
        self,
        stream: IO[str],
        *,
        log_audio: bool = False,
        secrets: tuple[str, ...] = (),
        clock: Callable[[], float] = time.monotonic,
        owns_stream: bool = False,
    ) -> None:
        self._stream = stream
        self._log_audio = log_audio
        self._secrets: set[str] = {s for s in secrets if s}
        self._clock = clock
        self._start = clock()
        self._owns_stream = owns_stream
        self.lines_written = 0
        #: Why writing stopped (a full disk, say), or None; the lines before it are intact.
        self.write_error: OSError | None = None
        self._good_bytes: int | None = None
        self.path: Path | None = None

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        log_audio: bool = False,
        secrets: tuple[str, ...] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> EventLog:
        """A log appending to the file at `path` (created if missing); closed by `close()`."""
        stream = Path(path).open("a", encoding="utf-8")  # noqa: SIM115 - owned by the log
        log = cls(stream, log_audio=log_audio, secrets=secrets, clock=clock, owns_stream=True)
        log._good_bytes = os.fstat(stream.fileno()).st_size
        log.path = Path(path)
        return log

    def __repr__(self) -> str:
        name = getattr(self._stream, "name", type(self._stream).__name__)
        return f"EventLog({name!r}, log_audio={self._log_audio})"

    def add_secret(self, secret: str) -> None:
        """Scrub this string (an API key) from every line written from now on."""
        if secret:
            self._secrets.add(secret)

    def record(self, direction: Direction, frame: bytes | str) -> None:
        """Log one websocket frame exactly as sent or received."""
        entry: dict[str, Any] = {"t": round(self._clock() - self._start, 6), "dir": direction}
        try:
            event = _DECODER.decode(frame)
        except msgspec.DecodeError:
            event = None
        if isinstance(event, dict):
            entry["event"] = event if self._log_audio else redact_audio(event)
        else:
            text = frame.decode("utf-8", "replace") if isinstance(frame, bytes) else frame
            cut = len(text) > _RAW_LIMIT
            entry["raw"] = text[:_RAW_LIMIT] + ("..." if cut else "")
        self._write(_ENCODER.encode(entry).decode("utf-8"))

    def _write(self, line: str) -> None:
        if self.write_error is not None:
            return
        for secret in self._secrets:
            line = scrub(line, secret)
        try:
            self._stream.write(line + "\n")
            self._stream.flush()
        except OSError as exc:
            self._stop_writing(exc)
            return
        self.lines_written += 1
        if self._good_bytes is not None:
            self._good_bytes += len(line.encode("utf-8")) + 1

    def _stop_writing(self, exc: OSError) -> None:
        # A full disk must not end the conversation; close() cuts the file back to whole lines.
        if self.write_error is None:
            self.write_error = exc

    def close(self) -> None:
        """Flush, and close the file if the log opened it."""
        if self._stream.closed:
            return
        try:
            self._stream.flush()
        except OSError as exc:
            self._stop_writing(exc)
        if self._owns_stream:
            with contextlib.suppress(OSError):
                self._stream.close()
        if self.write_error is not None and self.path is not None and self._good_bytes is not None:
            with contextlib.suppress(OSError):
                os.truncate(self.path, self._good_bytes)

    def __enter__(self) -> EventLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
