"""Keeps what C libraries print to file descriptor 2 off the live screen.

ALSA prints `snd_pcm_recover underrun occurred` straight to the process's stderr (fd 2) from
PortAudio's audio thread, about twenty times per answer on some devices; those lines would
scroll over the live screen. While a `StderrCapture` is active, fd 2 is a pipe drained by a
thread that counts the lines and keeps the last ones, and Python's own `sys.stderr` (rt's
warnings and errors, rich's output) writes to the real terminal through a duplicate of the
original descriptor.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import threading
from collections import deque
from types import TracebackType
from typing import TextIO

__all__ = ["StderrCapture"]

#: Lines kept for --debug; the count goes on past this.
KEEP_LINES = 200


class StderrCapture:
    """Redirects fd 2 into a pipe between `start()` and `stop()` (or as a context manager).

    `count` is the number of lines captured, `lines` the last `KEEP_LINES` of them, `marked`
    the count when `mark()` was last called.
    """

    def __init__(self) -> None:
        self.count = 0
        self.marked = 0
        self.lines: deque[str] = deque(maxlen=KEEP_LINES)
        self._saved_fd: int | None = None
        self._saved_stderr: TextIO | None = None
        self._reader: threading.Thread | None = None
        self._read_fd: int | None = None
        self._partial = b""

    def start(self) -> None:
        """Send fd 2 to the pipe; `sys.stderr` keeps writing to the terminal."""
        if self._saved_fd is not None:
            return
        sys.stderr.flush()
        self._saved_fd = os.dup(2)
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 2)
        os.close(write_fd)
        self._read_fd = read_fd
        self._saved_stderr = sys.stderr
        terminal = io.TextIOWrapper(
            io.FileIO(self._saved_fd, "w", closefd=False),
            encoding=getattr(sys.stderr, "encoding", None) or "utf-8",
            errors="backslashreplace",
            line_buffering=True,
        )
        sys.stderr = terminal
        self._reader = threading.Thread(target=self._drain, name="rt-stderr", daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        assert self._read_fd is not None
        while chunk := os.read(self._read_fd, 65536):
            self._add(chunk)
        if self._partial:
            self._add(b"\n")

    def _add(self, chunk: bytes) -> None:
        *complete, self._partial = (self._partial + chunk).split(b"\n")
        for raw in complete:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self.count += 1
                self.lines.append(line)

    def mark(self) -> int:
        """The count now, remembered as `marked` (lines may go on coming until `stop()`)."""
        self.marked = self.count
        return self.marked

    def stop(self) -> None:
        """Give fd 2 back and collect what is still in the pipe."""
        if self._saved_fd is None:
            return
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os.dup2(self._saved_fd, 2)  # closes the pipe's last write end: the reader sees EOF
        if self._reader is not None:
            self._reader.join(timeout=2.0)
        if self._read_fd is not None:
            os.close(self._read_fd)
        if self._saved_stderr is not None:
            sys.stderr = self._saved_stderr
        os.close(self._saved_fd)
        self._saved_fd = self._read_fd = None
        self._reader = None

    def __enter__(self) -> StderrCapture:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
