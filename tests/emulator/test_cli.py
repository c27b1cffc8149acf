"""`rt emulator` as a subprocess: prints its base URL, serves, exits 0 on SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.emulator.support import arun, connect


class _Running:
    """Just enough of `Emulator` for `connect()`: the URLs."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.ws_url = base_url.replace("http://", "ws://") + "/realtime"


def test_rt_emulator_serves_until_sigint() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "realtime_cli", "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("base_url: http://127.0.0.1:") and line.endswith("/v1")
        base_url = line.removeprefix("base_url: ")

        async def talk() -> str:
            async with connect(_Running(base_url), skip_created=False) as client:
                return (await client.recv()).type

        assert arun(talk()) == "session.created"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _refused(*args: str) -> subprocess.CompletedProcess[str]:
    """`rt emulator ARGS`, expected to stop at once with a usage error."""
    return subprocess.run(
        [sys.executable, "-m", "realtime_cli", "emulator", *args],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )


def test_rt_emulator_refuses_non_loopback_hosts() -> None:
    result = _refused("--host", "0.0.0.0")
    assert result.returncode == 2
    assert "loopback" in result.stderr


def test_rt_emulator_refuses_a_failure_rate_with_exact() -> None:
    """--exact never fails on its own, so a rate with it is a usage error, not ignored."""
    result = _refused("--exact", "--failure-rate", "0.5")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "rt: error: --failure-rate works only with the live timing; drop --exact\n"
    )
