"""A running `rt emulator` subprocess and a helper that runs `rt` against it."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.audio.virtual_audio import VirtualAudio, missing_reason
from tests.cli.emulator_thread import EmulatorThread

if TYPE_CHECKING:
    from tests.cli.pty_run import PtyRun

KEY = "sk-cli-test-key-0123456789"


@dataclass
class Emu:
    base_url: str


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emu]:
    process = subprocess.Popen(
        # --exact: these tests assert the emulator's fixed replies; --check-keys: and its
        # key checks.
        [
            sys.executable,
            "-m",
            "realtime_cli",
            "emulator",
            "--port",
            "0",
            "--speed",
            "50",
            "--exact",
            "--check-keys",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("base_url: "), line
        yield Emu(line.removeprefix("base_url: "))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


StartEmulator = Callable[..., Emu]


@pytest.fixture
def start_emulator() -> Iterator[StartEmulator]:
    """Start `rt emulator --speed 50` (live realism unless `--exact` is passed) with extra
    arguments; each is stopped with SIGINT and must exit cleanly."""
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str) -> Emu:
        process = subprocess.Popen(
            [sys.executable, "-m", "realtime_cli", "emulator", "--port", "0", "--speed", "50",
             *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        processes.append(process)
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("base_url: "), line
        return Emu(line.removeprefix("base_url: "))

    yield start
    for process in processes:
        process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            _, err = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        assert process.returncode == 0, err
        assert "Traceback" not in err, err


@dataclass
class Run:
    code: int
    out: str
    err: str


def rt_environ(
    base_url: str | None,
    key: str | None = KEY,
    home: Path | None = None,
    env: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of an `rt` subprocess: no OPENAI_/RT_ variables but those given."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RT_"))}
    if home is not None:
        environ["XDG_CONFIG_HOME"] = str(home)
        environ["HOME"] = str(home)
    if base_url is not None:
        environ["OPENAI_BASE_URL"] = base_url
    if key is not None:
        environ["OPENAI_API_KEY"] = key
    environ.update(env or {})
    return environ


def rt(
    *args: str,
    base_url: str | None,
    key: str | None = KEY,
    stdin: str | bytes | None = None,
    home: Path | None = None,
    env: dict[str, str] | None = None,
    max_file_bytes: int | None = None,
) -> Run:
    """Run `rt ARGS` as a subprocess with a clean config home; `max_file_bytes` caps the size
    of every file it writes (RLIMIT_FSIZE), as a full disk would."""

    def limit() -> None:
        if max_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    result = subprocess.run(
        [sys.executable, "-m", "realtime_cli", *args],
        input=stdin.encode() if isinstance(stdin, str) else stdin,
        capture_output=True,
        env=rt_environ(base_url, key, home, env),
        timeout=60,
        check=False,
        preexec_fn=limit,
    )
    return Run(
        result.returncode,
        result.stdout.decode(errors="replace"),
        result.stderr.decode(errors="replace"),
    )


@dataclass
class SilentServer:
    """A server that accepts connections and never answers."""

    base_url: str
    #: Set once a client has connected: it is then waiting for an answer.
    accepted: threading.Event


@pytest.fixture
def silent_listener() -> Iterator[SilentServer]:
    """A server that accepts connections and never answers, and tells when one came."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()
    accepted = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.set()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield SilentServer(f"http://127.0.0.1:{listener.getsockname()[1]}/v1", accepted)
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for conn in held:
            conn.close()


@pytest.fixture
def silent_server(silent_listener: SilentServer) -> str:
    """The base URL of a server that accepts connections and never answers."""
    return silent_listener.base_url


@pytest.fixture(scope="module")
def virtual_audio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtualAudio]:
    """A private PulseAudio server with virtual devices (skipped where it cannot run)."""
    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    va = VirtualAudio(tmp_path_factory.mktemp("vaudio"))
    va.start()
    try:
        yield va
    finally:
        va.stop()


@pytest.fixture
def scripted_emulator() -> Iterator[EmulatorThread]:
    """An in-process emulator per test, scriptable (transcripts, tool arguments) while `rt`
    runs against it as a subprocess."""
    thread = EmulatorThread()
    thread.start()
    try:
        yield thread
    finally:
        thread.stop()


@pytest.fixture
def pty_runs() -> Iterator[list[PtyRun]]:
    """`rt` runs on pseudo-terminals to close (killing the child if still running) after a test."""
    runs: list[PtyRun] = []
    yield runs
    for run in runs:
        run.close()
