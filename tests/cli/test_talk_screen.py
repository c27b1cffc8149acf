"""`rt talk` on a pseudo-terminal: what the user sees around the conversation (issue 11)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Emu, rt
from tests.cli.pty_run import PtyRun, rt_env

DEMO = Path(__file__).resolve().parent.parent.parent / "demo" / "hello.wav"
NOISY = Path(__file__).resolve().parent / "noisy_library"
NOISE = "snd_pcm_recover"


@pytest.fixture
def pty_runs() -> Iterator[list[PtyRun]]:
    runs: list[PtyRun] = []
    yield runs
    for run in runs:
        run.close()


def test_library_noise_on_fd2_stays_off_the_live_screen_and_is_counted(
    emulator: Emu, tmp_path: Path, pty_runs: list[PtyRun]
) -> None:
    run = PtyRun(
        "talk", "--input-file", str(DEMO), "--output-file", str(tmp_path / "reply.wav"),
        "--max-seconds", "30",
        env=rt_env(emulator.base_url, tmp_path, {"PYTHONPATH": str(NOISY)}),
    )  # fmt: skip
    pty_runs.append(run)
    assert run.finish() == 0, run.terminal.text()
    # Python's start-up may print before rt takes fd 2 over; nothing after it does.
    drawn = run.raw[run.raw.index("\x1b[?25l") :] if "\x1b[?25l" in run.raw else run.raw
    assert NOISE not in drawn
    screen = run.terminal.text()
    counted = re.search(r"│ sound library +(\d+) messages on stderr \(--debug shows them\)", screen)
    assert counted, screen
    assert int(counted.group(1)) >= 20  # 50 ms apart, over a run of several seconds


def test_debug_shows_the_captured_library_lines(emulator: Emu, tmp_path: Path) -> None:
    run = rt(
        "talk", "--input-file", str(DEMO), "--output-file", str(tmp_path / "reply.wav"),
        "--plain", "--debug",
        base_url=emulator.base_url, home=tmp_path, env={"PYTHONPATH": str(NOISY)},
    )  # fmt: skip
    assert run.code == 0, run.err
    # The noise goes on from start-up to exit; what came while rt held fd 2 is shown after
    # the summary, marked, and counted in it.
    shown = [line for line in run.err.splitlines() if line.startswith("rt: debug: sound library:")]
    assert len(shown) >= 20
    assert all(line.endswith("(snd_pcm_recover) underrun occurred") for line in shown)
    counted = re.search(r"^sound library: (\d+) messages on stderr", run.err, re.M)
    assert counted and int(counted.group(1)) >= len(shown)


def test_connecting_is_shown_with_the_host_and_ctrl_c_ends_it(
    silent_server: str, tmp_path: Path, pty_runs: list[PtyRun]
) -> None:
    run = PtyRun(
        "talk", "--input-file", str(DEMO), "--output-file", str(tmp_path / "reply.wav"),
        env=rt_env(silent_server, tmp_path),
    )  # fmt: skip
    pty_runs.append(run)
    host = silent_server.split("/")[2]
    run.wait_for(lambda t: f"● connecting to {host} ..." in t.text(), "the connecting status")
    run.write(b"\x03")  # Ctrl-C through the terminal
    assert run.finish() == 130
    screen = run.terminal.text()
    assert screen.rstrip().endswith("rt: interrupted")
    assert "╭─ rt talk" not in screen  # no summary of a conversation that never started
