"""The key reader on a real pseudo-terminal, inside a running event loop."""

from __future__ import annotations

import asyncio
import fcntl
import os
import struct
import termios
import threading
import time
from collections.abc import Iterator

import pytest

from realtime_cli.cli.keys import KeyReader, key_name


@pytest.fixture
def pty() -> Iterator[tuple[int, int]]:
    master, slave = os.openpty()
    yield master, slave
    os.close(master)
    os.close(slave)


async def _until(keys: list[str], count: int) -> None:
    async def wait() -> None:
        while len(keys) < count:
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), 5)


def _wait_queued(fd: int) -> None:
    # The pty moves input to the slave's queue asynchronously.
    deadline = time.monotonic() + 5
    while not struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]:
        assert time.monotonic() < deadline
        time.sleep(0.005)


def _lflag(fd: int) -> int:
    return int(termios.tcgetattr(fd)[3])


def test_keys_arrive_one_by_one_without_echo_and_the_terminal_is_restored(
    pty: tuple[int, int],
) -> None:
    master, slave = pty
    before = termios.tcgetattr(slave)
    assert _lflag(slave) & termios.ICANON and _lflag(slave) & termios.ECHO
    keys: list[str] = []

    async def main() -> None:
        with KeyReader(slave, keys.append):
            lflag = _lflag(slave)
            assert not lflag & termios.ICANON  # no waiting for Enter
            assert not lflag & termios.ECHO
            assert lflag & termios.ISIG  # Ctrl-C stays a signal
            os.write(master, b" a" + "é".encode()[:1])
            await _until(keys, 2)
            os.write(master, "é".encode()[1:] + b" ")  # a character split across reads
            await _until(keys, 4)
            os.write(master, b"left over\n")  # typed, never read
            _wait_queued(slave)  # blocking the loop, so that the reader cannot take it

    asyncio.run(main())
    assert keys == [" ", "a", "é", " "]
    assert termios.tcgetattr(slave) == before
    # Unread keys were dropped, not left for the shell: nothing is waiting on the terminal.
    os.set_blocking(slave, False)
    with pytest.raises(BlockingIOError):
        os.read(slave, 100)


def test_the_terminal_is_restored_when_the_run_fails(pty: tuple[int, int]) -> None:
    _, slave = pty
    before = termios.tcgetattr(slave)

    async def main() -> None:
        with KeyReader(slave, lambda key: None):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(main())
    assert termios.tcgetattr(slave) == before


def test_a_terminal_that_goes_away_stops_the_reader() -> None:
    master, slave = os.openpty()
    keys: list[str] = []

    async def main() -> None:
        with KeyReader(slave, keys.append) as reader:
            os.write(master, b"x")
            await _until(keys, 1)
            os.close(master)  # the terminal is gone: reads fail with EIO
            await asyncio.sleep(0.1)
            # The reader removed itself, or the loop would call it again at once, forever.
            assert not reader.reading

    try:
        asyncio.run(main())
    finally:
        os.close(slave)
    assert keys == ["x"]


def test_input_dropped_after_it_was_seen_does_not_block_the_loop(
    pty: tuple[int, int],
) -> None:
    # Ctrl-C makes the terminal drop the keys not yet read: a reader called for input that
    # is gone by then must return, not wait in read() with the loop (and its SIGINT handler)
    # stuck behind it.
    master, slave = pty
    keys: list[str] = []
    stuck: list[threading.Thread] = []

    async def main() -> None:
        with KeyReader(slave, keys.append) as reader:
            os.write(master, b" ")
            _wait_queued(slave)  # blocking the loop: the reader has seen nothing yet
            termios.tcflush(slave, termios.TCIFLUSH)  # what Ctrl-C does to unread input
            # The call the loop makes when it saw the key before the flush.
            call = threading.Thread(target=reader._readable, daemon=True)
            call.start()
            call.join(2)
            if call.is_alive():
                stuck.append(call)
                os.write(master, b"!")  # unblock the read, so the test can end
                call.join(2)
            assert reader.reading  # still reading keys

    asyncio.run(main())
    assert not stuck, "the reader blocked in read() on input that was gone"
    assert keys == []
    assert os.get_blocking(slave)  # stdin's mode, shared with the shell, is untouched


def test_not_a_terminal_is_refused_and_left_untouched() -> None:
    r, w = os.pipe()

    async def main() -> None:
        with pytest.raises(termios.error):
            KeyReader(r, lambda key: None).open()
        assert not asyncio.get_running_loop().remove_reader(r)

    try:
        asyncio.run(main())
    finally:
        os.close(r)
        os.close(w)


def test_key_names() -> None:
    assert key_name(" ") == "SPACE"
    assert key_name("t") == "T"
