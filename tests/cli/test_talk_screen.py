"""`rt talk` on a pseudo-terminal: what the user sees around the conversation (issue 11)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from realtime_cli.cli.stderr_capture import KEEP_LINES
from realtime_cli.emulator.synth import silence, speak
from tests.audio.virtual_audio import VirtualAudio
from tests.cli.conftest import Emu, StartEmulator, rt
from tests.cli.pty_run import PtyRun, rt_env
from tests.cli.spoken import write_wav

DEMO = Path(__file__).resolve().parent.parent.parent / "demo" / "hello.wav"
NOISY = Path(__file__).resolve().parent / "noisy_library"
NOISE = "snd_pcm_recover"


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
    # Python's start-up may print before rt takes fd 2 over, and this fake library (unlike
    # ALSA, which falls silent with the streams) goes on after rt gives fd 2 back below its
    # summary: a loaded machine can take 50 ms from there to exit. In between, nothing.
    start = run.raw.find("\x1b[?25l")
    end = run.raw.rfind("╰")
    assert 0 <= start < end, run.raw
    drawn = run.raw[start:end]
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
    # The summary counts up to its own moment; the closing line accounts for every line.
    counted = re.search(r"^sound library: (\d+) messages on stderr", run.err, re.M)
    in_all = re.search(
        r"^rt: debug: (\d+) sound library lines in all(?:, (\d+) after the summary)?.*$",
        run.err,
        re.M,
    )
    assert counted and in_all, run.err
    total = int(in_all.group(1))
    # About 100 lines in a 5 s run; a loaded machine's longer run may pass the 200 kept.
    assert len(shown) == min(total, KEEP_LINES)
    assert in_all.group(0).endswith(f", the last {KEEP_LINES} shown") == (total > KEEP_LINES)
    assert int(counted.group(1)) + int(in_all.group(2) or 0) == total


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


def _barge_in_input(path: Path) -> Path:
    first = speak("Tell me a long story please.").samples
    second = speak("Stop, that is enough.").samples
    # The answer starts about 0.6 s after the first utterance; the second cuts in 0.8 s later.
    pcm = np.concatenate([silence(300), first, silence(1400), second])
    return write_wav(path, pcm)


def test_transcript_files_say_who_said_what_and_what_was_cut(emulator: Emu, tmp_path: Path) -> None:
    mic = _barge_in_input(tmp_path / "in.wav")
    for name in ("talk.md", "talk.jsonl"):
        run = rt(
            "talk", "--input-file", str(mic), "--output-file", str(tmp_path / "reply.wav"),
            "--transcript", str(tmp_path / name), "--transcribe", "gpt-4o-mini-transcribe",
            "--max-seconds", "30", base_url=emulator.base_url, home=tmp_path,
        )  # fmt: skip
        assert run.code == 0, run.err
        assert f"file: {tmp_path / name}" in run.err
    records = [json.loads(line) for line in (tmp_path / "talk.jsonl").read_text().splitlines()]
    turns, summary = records[:-1], records[-1]
    assert [t["role"] for t in turns][:2] == ["user", "assistant"]
    assert turns[0]["text"].startswith("Speech of")
    cut = next(t for t in turns if t["role"] == "assistant" and t["interrupted"])
    assert 0 < cut["heard_ms"] < cut["received_ms"]
    assert cut["heard_text"] and cut["unheard_text"]
    assert cut["text"].startswith(cut["heard_text"].strip())
    assert summary["type"] == "summary" and summary["interruptions"] == 1
    assert summary["input_tokens"] > 0 and summary["output_tokens"] > 0
    assert summary["cost_usd"] > 0
    markdown = (tmp_path / "talk.md").read_text()
    assert markdown.startswith("# rt talk: gpt-realtime, voice marin\n")
    assert "**You:** Speech of" in markdown
    assert re.search(r"~~.+~~ _\(interrupted: \d\.\d s of \d\.\d s heard\)_", markdown), markdown
    assert "- turns: 2 you, 2 assistant (1 interrupted)" in markdown
    assert re.search(r"- cost: \$\d\.\d{4} estimated", markdown)


def test_a_conversation_longer_than_the_screen_stays_whole_in_the_terminal(
    emulator: Emu, tmp_path: Path, pty_runs: list[PtyRun]
) -> None:
    mic = _barge_in_input(tmp_path / "in.wav")
    run = PtyRun(
        "talk", "--input-file", str(mic), "--output-file", str(tmp_path / "reply.wav"),
        "--transcribe", "gpt-4o-mini-transcribe", "--max-seconds", "30",
        env=rt_env(emulator.base_url, tmp_path, {"LINES": "8"}), height=8,
    )  # fmt: skip
    pty_runs.append(run)
    # 8 lines leave room for one transcript line: the live screen can show the tail only.
    assert run.finish() == 0, run.terminal.text()
    text = run.raw
    after = text[text.rindex("the whole conversation") :]
    for said in ("Speech of", "You said", "(interrupted at"):
        assert said in after, after
    assert after.index("you ") < after.index("╭─ rt talk")


def test_q_ends_a_live_conversation(
    emulator: Emu, tmp_path: Path, pty_runs: list[PtyRun], virtual_audio: VirtualAudio
) -> None:
    run = PtyRun(
        "talk", "--input-device", "vmic", "--output-device", "vspeaker",
        "--output-file", str(tmp_path / "reply.wav"),
        env=rt_env(emulator.base_url, tmp_path, virtual_audio.env),
    )  # fmt: skip
    pty_runs.append(run)
    run.wait_for(lambda t: "● listening" in t.text(), "the listening state")
    run.write(b"q")
    assert run.finish() == 0, run.terminal.text()
    assert "╭─ rt talk" in run.terminal.text()
    assert run.modes() == run.initial_modes  # the terminal got its settings back


def test_forty_columns_keep_status_and_cost(
    emulator: Emu, tmp_path: Path, pty_runs: list[PtyRun]
) -> None:
    run = PtyRun(
        "talk", "--input-file", str(DEMO), "--output-file", str(tmp_path / "reply.wav"),
        "--max-seconds", "30", env=rt_env(emulator.base_url, tmp_path, {"COLUMNS": "40"}),
        width=40,
    )  # fmt: skip
    pty_runs.append(run)
    assert run.finish() == 0
    lines = run.terminal.lines()
    assert any(re.match(r"^● closed", line) for line in lines), "\n".join(lines)
    assert any(re.search(r"tokens [\d,]+ in [\d,]+ out +\$\d\.\d{4}", line) for line in lines)


def test_doctor_keeps_library_noise_out_of_its_report(
    tmp_path: Path, virtual_audio: VirtualAudio
) -> None:
    run = rt(
        "doctor", "--input-device", "vmic", "--output-device", "vspeaker", "--seconds", "1",
        "--json", base_url=None, home=tmp_path, env={**virtual_audio.env, "PYTHONPATH": str(NOISY)},
    )  # fmt: skip
    assert run.code == 0, run.err
    report = json.loads(run.out)
    counted = [w for w in report["warnings"] if "printed" in w and "--debug shows" in w]
    assert counted, report["warnings"]
    assert int(re.search(r"printed (\d+) messages ", counted[0]).group(1)) >= 10  # type: ignore[union-attr]
    assert not any("(s)" in w for w in report["warnings"])  # counted in words: "50 times"


def test_a_stalled_user_transcript_is_marked_on_the_live_screen_and_in_the_file(
    start_emulator: StartEmulator, tmp_path: Path, pty_runs: list[PtyRun]
) -> None:
    """`transcription-stalls`: the user's deltas stop half way with no completion. The live
    screen, its last frame and the transcript file say so, as --plain does."""
    emu = start_emulator("--exact", "--fault", "transcription-stalls")
    markdown = tmp_path / "talk.md"
    run = PtyRun(
        "talk", "--input-file", str(DEMO), "--output-file", str(tmp_path / "reply.wav"),
        "--transcribe", "gpt-4o-mini-transcribe", "--transcript", str(markdown),
        "--max-seconds", "30", env=rt_env(emu.base_url, tmp_path),
    )  # fmt: skip
    pty_runs.append(run)
    assert run.finish() == 0, run.terminal.text()
    screen = run.terminal.text()
    assert re.search(r"^you +Speech\b.*\S \(transcript incomplete\)$", screen, re.M), screen
    said = re.search(
        r"^\*\*You:\*\* Speech\b.*\S _\(transcript incomplete\)_$", markdown.read_text(), re.M
    )
    assert said, markdown.read_text()


@pytest.mark.virtual_audio
def test_the_silent_microphone_warning_is_taken_back_when_sound_comes(
    emulator: Emu, tmp_path: Path, virtual_audio: VirtualAudio, pty_runs: list[PtyRun]
) -> None:
    """Nothing plays into the virtual microphone at first (exact zeros, as when muted): the
    warning shows; once the microphone sends sound, it goes, and the footer says so."""
    run = PtyRun(
        "talk", "--input-device", "vmic", "--output-device", "vspeaker", "--max-seconds", "40",
        env=rt_env(emulator.base_url, tmp_path, virtual_audio.env),
    )  # fmt: skip
    pty_runs.append(run)
    run.wait_for(lambda t: "digital silence" in t.text(), "the silent-microphone warning")
    virtual_audio.feed_microphone(DEMO)
    run.wait_for(lambda t: "the microphone delivers sound now" in t.text(), "the all-clear")
    assert "digital silence" not in run.terminal.text()
    run.write(b"q")
    assert run.finish() == 0, run.terminal.text()
    assert "digital silence" not in run.terminal.text()
