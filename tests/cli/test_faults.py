"""`rt text` and `rt token` as subprocesses against `rt emulator --fault NAME`.

Every failure must be one line on stderr (`rt: error: ...`, no traceback) with exit code 1,
and whatever text was streamed before it stays on stdout.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.conftest import Emu, Run, StartEmulator, rt

PROMPT = "Tell me a story about a cat and a dog"
DEMO = Path(__file__).resolve().parent.parent.parent / "demo" / "hello.wav"
ANSWER = f"You said: {PROMPT}."


@pytest.fixture
def faulty(start_emulator: StartEmulator) -> StartEmulator:
    """Start `rt emulator --exact` (the fixed replies asserted here) with extra arguments
    (e.g. `--fault`, "drop-1011")."""
    return lambda *args: start_emulator("--exact", *args)


def one_line_error(run: Run) -> str:
    """The single stderr line of a failed run, checked to be a plain `rt: error:`."""
    assert run.code == 1, (run.out, run.err)
    assert "Traceback" not in run.err
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("rt: error: ")
    return lines[0]


def assert_partial_answer(out: str) -> None:
    """Some of the answer, not all of it, ended by a newline so the error line starts clean."""
    assert out.endswith("\n")
    text = out.removesuffix("\n")
    assert text and ANSWER.startswith(text) and text != ANSWER, out


def timed_text(emu: Emu, home: Path, *args: str) -> tuple[Run, float]:
    started = time.monotonic()
    run = rt("text", PROMPT, *args, base_url=emu.base_url, home=home)
    return run, time.monotonic() - started


def test_malformed_frames_are_skipped_and_the_answer_prints(
    faulty: StartEmulator, tmp_path: Path
) -> None:
    emu = faulty("--fault", "malformed")
    run = rt("text", PROMPT, base_url=emu.base_url, home=tmp_path)
    assert run.code == 0, run.err
    assert run.out == ANSWER + "\n"
    assert run.err == ""
    # They are logged at debug level, which --debug shows.
    debug = rt("text", PROMPT, "--debug", base_url=emu.base_url, home=tmp_path)
    assert debug.code == 0, debug.err
    assert debug.out == ANSWER + "\n"
    assert "rt: debug: skipped a malformed frame: frame is not a JSON object" in debug.err
    assert "rt: debug: skipped a binary frame" in debug.err
    assert "rt: debug: received an event of unknown type 'response.future_feature.delta'" in (
        debug.err
    )


def test_rt_talk_debug_lines_are_not_taken_for_sound_library_noise(
    faulty: StartEmulator, tmp_path: Path
) -> None:
    # rt talk captures fd 2 for what C libraries print; its own --debug lines must still
    # reach stderr as they happen, not be counted and replayed as library messages.
    emu = faulty("--fault", "malformed")
    run = rt(
        "talk", "--input-file", str(DEMO), "--output-file", str(tmp_path / "reply.wav"),
        "--plain", "--debug", base_url=emu.base_url, home=tmp_path,
    )  # fmt: skip
    assert run.code == 0, run.err
    lines = run.err.splitlines()
    assert "rt: debug: skipped a binary frame (20 bytes): the service sends text only" in lines
    assert not [line for line in lines if "sound library: rt: debug" in line]


def test_a_server_error_event_is_a_warning_and_the_failed_response_ends_it(
    faulty: StartEmulator, tmp_path: Path
) -> None:
    # A server_error is not fatal (the session goes on); the response's end decides.
    emu = faulty("--fault", "server-error")
    run = rt("text", PROMPT, base_url=emu.base_url, home=tmp_path)
    assert run.code == 1
    assert "Traceback" not in run.err
    warning, error = run.err.splitlines()
    assert warning.startswith("rt: warning: the service reported: The server had an error")
    assert error == "rt: error: the response failed (the service's message is above)"
    again = rt("text", PROMPT, base_url=emu.base_url, home=tmp_path)  # the fault was one-shot
    assert (again.code, again.out, again.err) == (0, ANSWER + "\n", "")


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("drop-1011", "rt: error: server closed the connection (1011 server_error, server error)"),
        ("drop-reset", "rt: error: connection lost (no close frame from the server)"),
    ],
    ids=["drop-1011", "drop-reset"],
)
def test_a_drop_mid_response_exits_1_keeping_the_streamed_text(
    faulty: StartEmulator, tmp_path: Path, fault: str, message: str
) -> None:
    emu = faulty("--fault", fault)
    run = rt("text", PROMPT, base_url=emu.base_url, home=tmp_path)
    assert one_line_error(run) == message
    assert_partial_answer(run.out)


def test_a_server_that_stops_reading_hits_the_timeout(
    faulty: StartEmulator, tmp_path: Path
) -> None:
    emu = faulty("--fault", "stop-reading")
    run, elapsed = timed_text(emu, tmp_path, "--timeout", "1")
    assert one_line_error(run).startswith("rt: error: timed out after 1 s waiting for the answer")
    assert run.out == ""
    assert elapsed < 10  # the timeout, not a close handshake with a deaf server


def test_a_slow_response_beyond_the_timeout_fails_keeping_the_text(
    faulty: StartEmulator, tmp_path: Path
) -> None:
    emu = faulty("--fault", "slow-response", "--slow-pause", "0.7")
    run, elapsed = timed_text(emu, tmp_path, "--timeout", "1")
    assert one_line_error(run).startswith("rt: error: timed out after 1 s waiting for the answer")
    assert_partial_answer(run.out)
    assert elapsed < 10


def test_a_slow_response_within_the_timeout_completes(
    faulty: StartEmulator, tmp_path: Path
) -> None:
    emu = faulty("--fault", "slow-response", "--slow-pause", "0.1")
    run = rt("text", "slowly now", "--timeout", "10", base_url=emu.base_url, home=tmp_path)
    assert run.code == 0, run.err
    assert run.out == "You said: slowly now.\n"
    assert run.err == ""


def test_no_handshake_hits_the_connect_timeout(faulty: StartEmulator, tmp_path: Path) -> None:
    emu = faulty("--fault", "no-handshake")
    run, elapsed = timed_text(emu, tmp_path, "--timeout", "1")
    ws_url = emu.base_url.replace("http://", "ws://") + "/realtime"
    assert one_line_error(run) == f"rt: error: timed out after 1 s connecting to {ws_url}"
    assert run.out == ""
    assert elapsed < 10


def test_expiry_ends_rt_text_with_a_clear_message(faulty: StartEmulator, tmp_path: Path) -> None:
    # Slow deltas so that the expiry lands in the middle of the answer.
    emu = faulty(
        "--fault",
        "expire",
        "--expire-after",
        "1",
        "--fault",
        "slow-response",
        "--slow-pause",
        "0.4",
    )
    run = rt("text", PROMPT, "--timeout", "10", base_url=emu.base_url, home=tmp_path)
    line = one_line_error(run)
    # The service's close: 1001 with its message as the reason, said once.
    expected = "the session expired (server closed 1001): Your session hit the maximum"
    assert line == f"rt: error: {expected} duration of 1 second."
    assert_partial_answer(run.out)


def test_rt_token_waits_out_a_429(faulty: StartEmulator, tmp_path: Path) -> None:
    emu = faulty("--fault", "rest-429")
    started = time.monotonic()
    run = rt("token", base_url=emu.base_url, home=tmp_path)
    elapsed = time.monotonic() - started
    assert run.code == 0, run.err
    assert run.out.startswith("ek_") and run.out.count("\n") == 1
    assert run.err == ""
    assert elapsed >= 1.0  # Retry-After: 1 was honoured


def test_rt_token_timing_out_while_it_waits_out_a_429_says_so(
    faulty: StartEmulator, tmp_path: Path
) -> None:
    emu = faulty("--fault", "rest-429")
    run = rt("token", "--timeout", "0.5", base_url=emu.base_url, home=tmp_path)
    line = one_line_error(run)
    assert line.startswith("rt: error: gave up after 0.5 s: ")
    assert "answered HTTP 429 Too Many Requests and rt was waiting to retry" in line


def test_rt_token_retries_a_500(faulty: StartEmulator, tmp_path: Path) -> None:
    emu = faulty("--fault", "rest-500")
    run = rt("token", base_url=emu.base_url, home=tmp_path)
    assert run.code == 0, run.err
    assert run.out.startswith("ek_")
    assert run.err == ""


def test_unknown_fault_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "realtime_cli", "emulator", "--fault", "explode"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("rt: error: unknown fault explode (choose from drop-1011, ")
