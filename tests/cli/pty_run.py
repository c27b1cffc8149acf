"""`rt` on a real pseudo-terminal: the child's stdin, stdout and stderr are the pty's slave
(also its controlling terminal, so Ctrl-C written to the master is a SIGINT), and everything
it draws is replayed on a `Terminal` model."""

from __future__ import annotations

import codecs
import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.cli.conftest import KEY
from tests.cli.terminal import Terminal

WIDTH, HEIGHT = 100, 30
_STATUS = re.compile(r"^● (\w+(?: speaking)?) +mic ", re.M)
#: A safety net against a hung child, not a performance expectation.
DEADLINE_S = 60.0


def _controlling_tty() -> None:
    # Runs in the child after setsid(): make stdin (the slave) its controlling terminal.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def rt_env(base_url: str, home: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """A clean environment for `rt` on a 100x30 xterm."""
    drop = ("OPENAI_", "RT_", "NO_COLOR", "FORCE_COLOR", "COLORTERM", "TERM")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        OPENAI_BASE_URL=base_url,
        OPENAI_API_KEY=KEY,
        HOME=str(home),
        XDG_CONFIG_HOME=str(home),
        TERM="xterm-256color",
        COLUMNS=str(WIDTH),
        LINES=str(HEIGHT),
    )
    env.update(extra or {})
    return env


class PtyRun:
    """`python -m realtime_cli ARGS` on a fresh pty of WIDTH x HEIGHT."""

    def __init__(
        self, *args: str, env: dict[str, str], width: int = WIDTH, height: int = HEIGHT
    ) -> None:
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
        #: The terminal's settings before the child touched them.
        self.initial_modes = termios.tcgetattr(self.slave)
        self.terminal = Terminal(width, height)
        self.raw = ""
        #: Every status word the header showed, in order, without repeats.
        self.statuses: list[str] = []
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "realtime_cli", *args],
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            env=env,
            start_new_session=True,
            preexec_fn=_controlling_tty,  # noqa: PLW1509 - the test process runs no threads
        )

    def modes(self) -> list[Any]:
        """The terminal's settings now."""
        return termios.tcgetattr(self.slave)

    def write(self, data: bytes) -> None:
        """Type `data` on the terminal's keyboard."""
        os.write(self.master, data)

    def read(self, timeout: float) -> bool:
        """Take what the child wrote within `timeout`; False if nothing came."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return False
        text = self._decoder.decode(data)
        self.raw += text
        self.terminal.feed(text)
        for status in _STATUS.findall(self.terminal.text()):
            if not self.statuses or self.statuses[-1] != status:
                self.statuses.append(status)
        return bool(data)

    def wait_for(self, shown: Callable[[Terminal], bool], what: str) -> None:
        """Read until the screen satisfies `shown`."""
        deadline = time.monotonic() + DEADLINE_S
        while not shown(self.terminal):
            if self.proc.poll() is not None and not self.read(0.2):
                raise AssertionError(f"rt exited before {what}:\n{self.terminal.text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} on screen:\n{self.terminal.text()}")
            self.read(0.1)

    def finish(self) -> int:
        """Read until the child exits and its last output is in; return its exit code."""
        deadline = time.monotonic() + DEADLINE_S
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.proc.kill()
                raise AssertionError(f"rt did not exit:\n{self.terminal.text()}")
            self.read(0.1)
        while self.read(0.2):
            pass
        return self.proc.returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)
