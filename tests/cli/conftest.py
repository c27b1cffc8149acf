"""A running `rt emulator` subprocess and a helper that runs `rt` against it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

KEY = "sk-cli-test-key-0123456789"


@dataclass
class Emu:
    base_url: str


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emu]:
    process = subprocess.Popen(
        # --exact: these tests assert the emulator's fixed replies.
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


def rt(
    *args: str,
    base_url: str | None,
    key: str | None = KEY,
    stdin: str | None = None,
    home: Path | None = None,
    env: dict[str, str] | None = None,
) -> Run:
    """Run `rt ARGS` as a subprocess with a clean config home."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "RT_"))}
    if home is not None:
        environ["XDG_CONFIG_HOME"] = str(home)
        environ["HOME"] = str(home)
    if base_url is not None:
        environ["OPENAI_BASE_URL"] = base_url
    if key is not None:
        environ["OPENAI_API_KEY"] = key
    environ.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "realtime_cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )
    return Run(result.returncode, result.stdout, result.stderr)
