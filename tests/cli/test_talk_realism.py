"""`rt talk` against `rt emulator` in its default live realism mode, headless (--plain) and
on a pseudo-terminal: failures and transcripts as the real service produces them."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.conftest import StartEmulator, rt
from tests.cli.pty_run import PtyRun, rt_env

DEMO = Path(__file__).resolve().parent.parent.parent / "demo" / "hello.wav"
FAILED = re.compile(
    r"response failed \(rate_limit_exceeded\): Rate limit reached .*Please try again in "
    r"(\d+\.\d+)s\..* \[retry in (\d+\.\d) s\]"
)


def _talk(base_url: str, tmp_path: Path, *args: str) -> list[str]:
    run = rt(
        "talk", "--input-file", str(DEMO), "--output-file", str(tmp_path / "reply.wav"),
        "--max-seconds", "30", "--plain", *args,
        base_url=base_url, home=tmp_path,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    return run.out.splitlines()


def test_plain_shows_a_failed_response_with_the_service_message_and_wait(
    start_emulator: StartEmulator, tmp_path: Path
) -> None:
    emu = start_emulator("--fault", "response-failed")
    lines = _talk(emu.base_url, tmp_path, "--transcribe", "gpt-4o-mini-transcribe")
    answer = next(line for line in lines if line.startswith("assistant: "))
    match = FAILED.search(answer)
    assert match, lines
    assert abs(float(match.group(1)) - float(match.group(2))) < 0.06


def test_plain_shows_untranscribed_and_failed_transcription_turns(
    start_emulator: StartEmulator, tmp_path: Path
) -> None:
    emu = start_emulator("--fault", "transcription-failed")
    lines = _talk(emu.base_url, tmp_path, "--transcribe", "whisper-1")
    assert lines[0] == "you: (transcription failed: The audio could not be transcribed.)"
    assert lines[1].startswith("assistant: ")
    # Transcription off: the turn is still there, said as such.
    lines = _talk(emu.base_url, tmp_path)
    assert lines[0] == "you: (not transcribed)"
    assert lines[1].startswith("assistant: Thanks, I heard ")


def test_live_screen_shows_a_failed_response(start_emulator: StartEmulator, tmp_path: Path) -> None:
    emu = start_emulator("--fault", "response-failed")
    run = PtyRun(
        "talk", "--input-file", str(DEMO), "--output-file", str(tmp_path / "reply.wav"),
        "--max-seconds", "30", env=rt_env(emu.base_url, tmp_path, None),
    )  # fmt: skip
    try:
        assert run.finish() == 0, run.terminal.text()
        screen = " ".join(line.strip() for line in run.terminal.lines())
        assert "response failed (rate_limit_exceeded)" in screen, run.terminal.text()
        assert re.search(r"\[retry in \d+\.\d s\]", screen), run.terminal.text()
    finally:
        run.close()
