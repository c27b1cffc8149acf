"""`rt talk --resume`: a new session starts from an earlier conversation (log or transcript)."""

from __future__ import annotations

import json
import re
import wave
from pathlib import Path
from typing import Any

import numpy as np

from realtime_cli.emulator.synth import SAMPLE_RATE, silence, speak
from tests.cli.conftest import Emu, rt

DEMO = Path(__file__).resolve().parent.parent.parent / "demo" / "hello.wav"


def _write(path: Path, pcm: np.ndarray) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm.astype("<i2").tobytes())


def _seeded(log: Path) -> list[tuple[str, str]]:
    """The messages sent as items before the first microphone audio of a run."""
    seeded: list[tuple[str, str]] = []
    for line in log.read_text().splitlines():
        entry: dict[str, Any] = json.loads(line)
        event = entry.get("event", {})
        if entry["dir"] != "send":
            continue
        if event.get("type") == "input_audio_buffer.append":
            break
        if event.get("type") == "conversation.item.create":
            item = event["item"]
            seeded.append((item["role"], "".join(part["text"] for part in item["content"])))
    return seeded


def _talk(emulator: Emu, home: Path, *args: str) -> Any:
    return rt(
        "talk", "--output-file", str(home / "out.wav"), "--max-seconds", "30",
        "--transcribe", "gpt-4o-mini-transcribe", *args,
        base_url=emulator.base_url, home=home,
    )  # fmt: skip


def test_resume_from_a_log_seeds_what_was_said_and_heard(emulator: Emu, tmp_path: Path) -> None:
    mic, first_log, second_log = tmp_path / "in.wav", tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    story = speak("Tell me a long story please.").samples
    stop = speak("Stop, that is enough.").samples
    _write(mic, np.concatenate([silence(300), story, silence(1400), stop]))
    first = _talk(emulator, tmp_path, "--input-file", str(mic), "--log", str(first_log))
    assert first.code == 0, first.err
    lines = first.out.splitlines()
    cut = next(line for line in lines if line.startswith("assistant (interrupted"))
    prefix = r"^assistant \(interrupted at [\d.]+ s, heard text estimated\): "
    heard = re.sub(prefix, "", cut).split(" [unheard:")[0]
    assert heard

    second = _talk(
        emulator, tmp_path, "--input-file", str(DEMO), "--resume", str(first_log),
        "--log", str(second_log),
    )  # fmt: skip
    assert second.code == 0, second.err
    users = [line.removeprefix("you: ") for line in lines if line.startswith("you: ")]
    answers = [line.removeprefix("assistant: ") for line in lines if line.startswith("assistant:")]
    assert _seeded(second_log) == [
        ("user", users[0]),
        ("assistant", heard),  # only what was heard of the interrupted answer
        ("user", users[1]),
        ("assistant", answers[0]),
    ]
    assert second.out.count("you: ") == 1  # the new turn still happens


def test_resume_from_a_jsonl_transcript(emulator: Emu, tmp_path: Path) -> None:
    transcript = tmp_path / "t.jsonl"
    rows = [
        {"role": "user", "text": "My name is Ada."},
        {"role": "assistant", "text": "Nice to meet you, Ada. Shall I tell", "interrupted": True,
         "heard_text": "Nice to meet you, Ada."},
        {"role": "user", "text": ""},
    ]  # fmt: skip
    transcript.write_text("".join(json.dumps(r) + "\n" for r in rows))
    log = tmp_path / "log.jsonl"
    run = _talk(emulator, tmp_path, "--input-file", str(DEMO), "--resume", str(transcript),
                "--log", str(log))  # fmt: skip
    assert run.code == 0, run.err
    assert _seeded(log) == [("user", "My name is Ada."), ("assistant", "Nice to meet you, Ada.")]


def test_a_bad_resume_file_is_one_line_before_connecting(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"hello": 1}\nnot json\n')
    silent_log = tmp_path / "silent.jsonl"  # a log of a session where nobody said anything
    silent_log.write_text('{"t": 0.1, "dir": "recv", "event": {"type": "session.created"}}\n')
    for path, words in (
        (tmp_path / "missing.jsonl", "cannot read"),
        (empty, "no conversation"),
        (silent_log, "no conversation"),
    ):
        run = rt(
            "talk", "--input-file", str(DEMO), "--resume", str(path),
            base_url="http://127.0.0.1:9", home=tmp_path,
        )  # fmt: skip
        assert run.code == 2, run.err
        assert words in run.err
        assert len(run.err.strip().splitlines()) == 1
