"""Single key presses from a terminal, read on the event loop without blocking it.

While open, the terminal is in cbreak mode: no line buffering and no echo, but Ctrl-C still
raises SIGINT (so `rt talk`'s signal handler ends the run as before). Closing restores the
terminal's settings exactly as they were, and drops keys typed but not yet read, so that
they do not land on the shell's prompt.

Keys are read through a non-blocking descriptor of the terminal's own: readiness can be
withdrawn before the read (Ctrl-C makes the terminal drop its unread input), and a blocking
read would then stall the event loop, and with it the signal handler meant to end the run.
Not O_NONBLOCK on `fd` itself: stdin usually shares its open file with stdout and the shell.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import termios
import tty
from collections.abc import Callable
from types import TracebackType
from typing import Any

__all__ = ["KeyReader", "key_name"]

_NAMES = {" ": "SPACE", "\r": "ENTER", "\n": "ENTER", "\t": "TAB", "\x1b": "ESC"}


def key_name(key: str) -> str:
    """How to show a key to the user: `" "` is `SPACE`."""
    return _NAMES.get(key, key.upper())


class KeyReader:
    """Calls `on_key(char)` on the event loop for each character typed on terminal `fd`.

    Use as a context manager (or `open()` and `close()`) inside a running loop. `open()`
    raises `termios.error` when `fd` is not a terminal.
    """

    def __init__(self, fd: int, on_key: Callable[[str], Any]) -> None:
        self.fd = fd
        self.on_key = on_key
        self._saved: list[Any] | None = None
        self._read_fd: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def open(self) -> None:
        """Switch the terminal to cbreak mode and start reading."""
        loop = asyncio.get_running_loop()
        self._saved = termios.tcgetattr(self.fd)
        try:
            tty.setcbreak(self.fd, termios.TCSANOW)
            self._read_fd = _nonblocking_reader(self.fd)
            loop.add_reader(self._read_fd, self._readable)
        except BaseException:
            self._restore()
            raise
        self._loop = loop

    @property
    def reading(self) -> bool:
        """Whether keys are being read (not before open, after close or end of input)."""
        return self._read_fd is not None

    def close(self) -> None:
        """Stop reading and give the terminal its settings back (idempotent)."""
        self._restore()

    def _stop_reading(self) -> None:
        read_fd, self._read_fd = self._read_fd, None
        if self._loop is not None and read_fd is not None:
            with contextlib.suppress(Exception):
                self._loop.remove_reader(read_fd)
        self._loop = None
        if read_fd is not None and read_fd != self.fd:
            os.close(read_fd)

    def _restore(self) -> None:
        self._stop_reading()
        if self._saved is not None:
            saved, self._saved = self._saved, None
            with contextlib.suppress(termios.error):
                termios.tcsetattr(self.fd, termios.TCSAFLUSH, saved)

    def _readable(self) -> None:
        if self._read_fd is None:
            return
        try:
            data = os.read(self._read_fd, 1024)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""  # EIO: the terminal went away
        if not data:
            # End of input: stop, or the loop would call us again at once, forever.
            self._stop_reading()
            return
        for char in self._decoder.decode(data):
            self.on_key(char)

    def __enter__(self) -> KeyReader:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _nonblocking_reader(fd: int) -> int:
    """A non-blocking descriptor of its own on terminal `fd`; `fd` itself (blocking reads)
    where the terminal cannot be opened by name."""
    try:
        flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
        return os.open(os.ttyname(fd), flags)
    except OSError:
        return fd
