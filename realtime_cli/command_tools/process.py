"""Running a command tool's program: no shell, a process group of its own (so a timeout or
the end of rt kills everything it started), stdout capped, the arguments as JSON on stdin.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["ARGUMENTS_ENV", "MAX_OUTPUT_BYTES", "CommandResult", "run_command"]

#: The environment variable that holds the arguments as JSON.
ARGUMENTS_ENV = "RT_TOOL_ARGUMENTS"
#: stdout beyond this many bytes is read and dropped, with a note.
MAX_OUTPUT_BYTES = 16 * 1024
#: stderr kept for an error report (its end, where the error usually is).
STDERR_TAIL_BYTES = 2048
#: After SIGTERM, how long the group has to go before SIGKILL.
KILL_GRACE_S = 1.0


@dataclass(frozen=True)
class CommandResult:
    """How a program ended and what it printed."""

    returncode: int
    stdout: str
    stderr: str
    #: stdout was longer than the cap and was cut.
    cut: bool


async def run_command(
    argv: Sequence[str],
    *,
    arguments_json: str,
    env: Mapping[str, str],
    max_output: int = MAX_OUTPUT_BYTES,
) -> CommandResult:
    """Run `argv` to completion. Cancelling the caller (a timeout, the session's end) kills
    the program's whole process group. Raises `OSError` when it cannot be started."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**env, ARGUMENTS_ENV: arguments_json},
        start_new_session=True,
    )
    try:
        out, err, _ = await asyncio.gather(
            _read_capped(process.stdout, max_output),
            _read_tail(process.stderr, STDERR_TAIL_BYTES),
            _feed(process.stdin, arguments_json.encode()),
        )
        returncode = await process.wait()
    except BaseException:
        await _kill_group(process)
        raise
    data, cut = out
    return CommandResult(
        returncode=returncode,
        stdout=data.decode("utf-8", "replace"),
        stderr=err.decode("utf-8", "replace"),
        cut=cut,
    )


async def _feed(pipe: asyncio.StreamWriter | None, data: bytes) -> None:
    if pipe is None:
        return
    # A program that never reads stdin closes it early: that is not an error.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        pipe.write(data)
        await pipe.drain()
    pipe.close()


async def _read_capped(stream: asyncio.StreamReader | None, cap: int) -> tuple[bytes, bool]:
    if stream is None:
        return b"", False
    kept = bytearray()
    cut = False
    # Read to the end even past the cap, so the program is never blocked on a full pipe.
    while chunk := await stream.read(65536):
        room = cap - len(kept)
        if len(chunk) > room:
            cut = True
        kept += chunk[: max(room, 0)]
    return bytes(kept), cut


async def _read_tail(stream: asyncio.StreamReader | None, keep: int) -> bytes:
    if stream is None:
        return b""
    tail = b""
    while chunk := await stream.read(65536):
        tail = (tail + chunk)[-keep:]
    return tail


async def _kill_group(process: asyncio.subprocess.Process) -> None:
    """SIGTERM to the program's group, then SIGKILL to whatever is left after a grace
    period (children it started included: they share the group)."""
    _signal_group(process.pid, signal.SIGTERM)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(process.wait(), KILL_GRACE_S)
    _signal_group(process.pid, signal.SIGKILL)
    await process.wait()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
