"""`rt replay`: a logged `rt talk` shown again, and `--check` on real and planted anomalies."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from realtime_cli.emulator.synth import SAMPLE_RATE, silence, speak
from tests.cli.conftest import Emu, rt


def _write(path: Path, pcm: np.ndarray) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm.astype("<i2").tobytes())


def _frames(path: Path) -> int:
    with wave.open(str(path)) as wav:
        return wav.getnframes()


@pytest.fixture(scope="module")
def interrupted_talk(emulator: Emu, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A live run with an interrupted answer, logged with its audio: (log, plain stdout)."""
    tmp = tmp_path_factory.mktemp("replay")
    first = speak("Tell me a long story please.").samples
    second = speak("Stop, that is enough.").samples
    mic, reply, log = tmp / "in.wav", tmp / "reply.wav", tmp / "log.jsonl"
    _write(mic, np.concatenate([silence(300), first, silence(1400), second]))
    run = rt(
        "talk", "--input-file", str(mic), "--output-file", str(reply), "--log", str(log),
        "--log-audio", "--max-seconds", "30", "--transcribe", "gpt-4o-mini-transcribe",
        base_url=emulator.base_url, home=tmp,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert "assistant (interrupted" in run.out
    return log, run.out


def test_replay_shows_the_same_plain_transcript_as_the_live_run(
    interrupted_talk: tuple[Path, str], tmp_path: Path
) -> None:
    log, live = interrupted_talk
    out = tmp_path / "again.wav"
    run = rt(
        "replay", str(log), "--plain", "--speed", "0", "--output-file", str(out),
        base_url=None, home=tmp_path,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert run.out == live
    assert "1 interrupted" in run.err
    assert _frames(out) > SAMPLE_RATE // 2  # the logged answers were played


def test_replay_of_a_log_without_audio_still_shows_the_transcript(
    interrupted_talk: tuple[Path, str], tmp_path: Path
) -> None:
    log, live = interrupted_talk
    stripped = tmp_path / "no-audio.jsonl"
    lines = []
    for line in log.read_text().splitlines():
        entry = json.loads(line)
        event = entry.get("event", {})
        if event.get("type") == "response.output_audio.delta":
            event["delta"] = len(event["delta"]) * 3 // 4  # what a log without audio holds
        lines.append(json.dumps(entry))
    stripped.write_text("\n".join(lines) + "\n")
    run = rt("replay", str(stripped), "--plain", "--speed", "0", base_url=None, home=tmp_path)
    assert run.code == 0, run.err
    assert run.out == live
    refused = rt(
        "replay", str(stripped), "--output-file", str(tmp_path / "x.wav"),
        base_url=None, home=tmp_path,
    )  # fmt: skip
    assert refused.code == 2
    assert "holds no audio" in refused.err


def test_check_passes_a_clean_log_and_finds_planted_anomalies(
    interrupted_talk: tuple[Path, str], tmp_path: Path
) -> None:
    log, _ = interrupted_talk
    clean = rt("replay", str(log), "--check", base_url=None, home=tmp_path)
    assert clean.code == 0, clean.out + clean.err
    assert "0 anomalies" in clean.err

    entries = [json.loads(line) for line in log.read_text().splitlines()]
    created = next(e for e in entries if e.get("event", {}).get("type") == "response.created")
    at = entries.index(created)
    t = created["t"]
    planted = [
        # a second response while the first is active
        {"t": t, "dir": "recv", "event": {**created["event"], "response": {
            **created["event"]["response"], "id": "resp_planted"}}},
        # audio for an item nobody announced
        {"t": t, "dir": "recv", "event": {
            "type": "response.output_audio.delta", "event_id": "ev_p", "response_id":
            created["event"]["response"]["id"], "item_id": "item_ghost", "output_index": 0,
            "content_index": 0, "delta": 960}},
        # a truncation far beyond the audio of that item
        {"t": t, "dir": "send", "event": {
            "type": "conversation.item.truncate", "event_id": "evt_cut", "item_id":
            "item_ghost", "content_index": 0, "audio_end_ms": 5000}},
        # the error it caused
        {"t": t, "dir": "recv", "event": {"type": "error", "event_id": "ev_e", "error": {
            "type": "invalid_request_error", "code": None, "param": None, "event_id":
            "evt_cut", "message": "Audio content of 20ms is already shorter than 5000ms"}}},
    ]  # fmt: skip
    bad = tmp_path / "bad.jsonl"
    rows = [json.dumps(e) for e in entries[: at + 1] + planted + entries[at + 1 :]]
    bad.write_text("\n".join([*rows, '{"t": 1, "dir": "recv", "ev']) + "\n")
    run = rt("replay", str(bad), "--check", base_url=None, home=tmp_path)
    assert run.code == 1, run.out + run.err
    report = run.out
    assert "overlapping responses: resp_planted created while" in report
    assert "event for an unknown item: response.output_audio.delta for item_ghost" in report
    assert "truncation beyond the audio: item_ghost cut at 5000 ms but only 20 ms" in report
    assert "caused by conversation.item.truncate sent at line" in report
    assert "unreadable line: not JSON" in report
    # The replay itself goes on over the bad lines, like the live run did.
    again = rt("replay", str(bad), "--plain", "--speed", "0", base_url=None, home=tmp_path)
    assert again.code == 0, again.err
    assert again.out.count("you: ") == 2


def test_a_missing_log_is_one_line(tmp_path: Path) -> None:
    run = rt("replay", str(tmp_path / "nope.jsonl"), base_url=None, home=tmp_path)
    assert run.code == 2
    assert run.err.strip().count("\n") == 0
    assert "cannot read log" in run.err


def test_replay_refuses_a_file_that_is_not_a_log_and_never_writes_over_the_log(
    interrupted_talk: tuple[Path, str], tmp_path: Path
) -> None:
    log, _ = interrupted_talk
    transcript = tmp_path / "talk.jsonl"  # JSON lines, but a transcript, not a log
    transcript.write_text('{"role": "user", "text": "hi"}\n')
    wav = tmp_path / "answer.wav"
    wav.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    for path in (transcript, wav):
        for extra in ([], ["--check"]):
            run = rt("replay", str(path), *extra, base_url=None, home=tmp_path)
            assert run.code == 2, run.err
            assert f"{path} is not an rt log" in run.err
            assert len(run.err.strip().splitlines()) == 1
    before = log.read_bytes()
    run = rt("replay", str(log), "--output-file", str(log), base_url=None, home=tmp_path)
    assert run.code == 2
    assert "LOG.jsonl and --output-file name the same file" in run.err
    assert log.read_bytes() == before
    run = rt(
        "replay", str(log), "--output-file", str(tmp_path / "nowhere" / "a.wav"),
        base_url=None, home=tmp_path,
    )  # fmt: skip
    assert run.code == 2
    assert "the directory" in run.err and "does not exist" in run.err
