"""`rt talk --vad none` without a terminal: an input file is one turn; a microphone is refused."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Emu, rt

DEMO = Path(__file__).resolve().parent.parent.parent / "demo" / "hello.wav"


def test_an_input_file_is_one_turn_in_plain_mode(emulator: Emu, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    run = rt(
        "talk", "--vad", "none", "--input-file", str(DEMO), "--output-file",
        str(tmp_path / "reply.wav"), "--log", str(log), "--max-seconds", "30",
        "--transcribe", "gpt-4o-mini-transcribe",
        base_url=emulator.base_url, home=tmp_path,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert run.out.splitlines()[0].startswith("you: Speech of 4.")
    assert run.out.splitlines()[1].startswith("assistant: You said: Speech of 4.")
    assert "turns: 1 you, 1 assistant" in run.err
    assert "[" not in run.err  # no key, so no key state lines
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    sent = [e["event"] for e in entries if e["dir"] == "send" and "event" in e]
    session = next(e for e in sent if e["type"] == "session.update")["session"]
    assert session["audio"]["input"]["turn_detection"] is None  # manual turns
    types = [e["type"] for e in sent]
    assert types.count("input_audio_buffer.commit") == 1
    assert types[-2:] == ["input_audio_buffer.commit", "response.create"]


def test_a_microphone_without_a_terminal_is_refused(tmp_path: Path) -> None:
    run = rt("talk", "--vad", "none", base_url="http://127.0.0.1:9/v1", home=tmp_path, stdin="")
    assert run.code == 2
    assert "push-to-talk (--vad none) reads the talk key from a terminal" in run.err
    assert "Traceback" not in run.err
