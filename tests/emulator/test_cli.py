"""`rt emulator` as a subprocess: prints its base URL, serves, exits 0 on SIGINT."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tests.emulator.support import append_events, arun, connect, speech_pcm

#: Fast, so the late transcriptions of the live timing come quickly.
SPEED = 50.0


class _Running:
    """Just enough of `Emulator` for `connect()`: the URLs."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.ws_url = base_url.replace("http://", "ws://") + "/realtime"


@contextmanager
def _rt_emulator(*args: str) -> Iterator[tuple[subprocess.Popen[str], _Running]]:
    """`rt emulator --port 0 ARGS` running; killed on the way out if still alive."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "realtime_cli", "emulator", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line.startswith("base_url: http://127.0.0.1:") and line.endswith("/v1")
        yield process, _Running(line.removeprefix("base_url: "))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_rt_emulator_serves_until_sigint() -> None:
    with _rt_emulator() as (process, running):

        async def talk() -> str:
            async with connect(running, skip_created=False) as client:
                return (await client.recv()).type

        assert arun(talk()) == "session.created"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=10)
        assert process.returncode == 0, stderr
        assert "Traceback" not in stderr


def test_rt_emulator_failure_rate_reaches_input_transcription() -> None:
    """`rt emulator --failure-rate 1`: every input transcription fails or stalls; none
    completes (in-process, `test_realism` checks the shapes and the seeded share)."""
    transcription = "conversation.item.input_audio_transcription."

    async def turn(running: _Running) -> list[str]:
        async with connect(running) as client:
            await client.send(
                {
                    "type": "session.update",
                    "session": {
                        "type": "realtime",
                        "output_modalities": ["text"],
                        "audio": {
                            "input": {
                                "transcription": {"model": "gpt-4o-transcribe"},
                                "turn_detection": None,
                            }
                        },
                    },
                }
            )
            for event in append_events(speech_pcm(("tone", 600))):
                await client.send(event)
            await client.send({"type": "input_audio_buffer.commit"})
            found: list[str] = []
            # Well past the latest a transcription comes (1.4 s at the measured speed 5).
            with contextlib.suppress(TimeoutError):
                while True:
                    event = await client.recv(timeout=3 * 1.4 * 5 / SPEED)
                    if event.type.startswith(transcription):
                        found.append(event.type.removeprefix(transcription))
            return found

    with _rt_emulator("--speed", str(SPEED), "--failure-rate", "1") as (_, running):
        for _ in range(3):
            found = arun(turn(running))
            assert "completed" not in found
            assert found[-1:] == ["failed"] or (found and set(found) == {"delta"})


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
