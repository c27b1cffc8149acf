"""`rt talk` headless on WAV files, as a subprocess against the emulator."""

from __future__ import annotations

import base64
import json
import wave
from pathlib import Path

import numpy as np

from realtime_cli.emulator.synth import SAMPLE_RATE, silence, speak
from tests.cli.conftest import KEY, Emu, rt
from tests.cli.spoken import write_wav

DEMO = Path(__file__).resolve().parent.parent.parent / "demo" / "hello.wav"
MS = SAMPLE_RATE // 1000


def _read(path: Path) -> np.ndarray:
    with wave.open(str(path)) as wav:
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        return data.reshape(-1, wav.getnchannels())


def test_a_spoken_turn_gets_a_spoken_answer(emulator: Emu, tmp_path: Path) -> None:
    reply, record, log = tmp_path / "reply.wav", tmp_path / "rec.wav", tmp_path / "log.jsonl"
    run = rt(
        "talk", "--input-file", str(DEMO), "--output-file", str(reply), "--record", str(record),
        "--log", str(log), "--max-seconds", "30", "--transcribe", "gpt-4o-mini-transcribe",
        base_url=emulator.base_url, home=tmp_path,
    )  # fmt: skip
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].startswith("you: ")
    assert lines[1].startswith("assistant: You said:")
    assert "\x1b" not in run.out  # plain mode: no escape codes
    assert "turns: 1 you, 1 assistant" in run.err
    played = _read(reply)[:, 0]
    assert np.count_nonzero(played) > SAMPLE_RATE // 2  # half a second of answer at least
    stereo = _read(record)
    assert stereo.shape[1] == 2
    # left (the microphone) speaks before right (the answer) in the recording's timeline
    assert np.flatnonzero(stereo[:, 0])[0] < np.flatnonzero(stereo[:, 1])[0]
    assert KEY not in log.read_text()


def test_barge_in_truncates_to_the_audio_actually_played(emulator: Emu, tmp_path: Path) -> None:
    first = speak("Tell me a long story please.").samples
    second = speak("Stop, that is enough.").samples
    # the answer starts ~0.6 s after the first utterance; the second cuts in 0.8 s later
    pcm = np.concatenate([silence(300), first, silence(1400), second])
    mic, reply, log = tmp_path / "in.wav", tmp_path / "reply.wav", tmp_path / "log.jsonl"
    write_wav(mic, pcm)
    run = rt(
        "talk", "--input-file", str(mic), "--output-file", str(reply), "--log", str(log),
        "--log-audio", "--max-seconds", "30",
        base_url=emulator.base_url, home=tmp_path,
    )  # fmt: skip
    assert run.code == 0, run.err
    log_lines = [json.loads(line) for line in log.read_text().splitlines()]
    sent = [entry["event"] for entry in log_lines if entry["dir"] == "send" and "event" in entry]
    truncates = [e for e in sent if e["type"] == "conversation.item.truncate"]
    assert len(truncates) == 1, [e["type"] for e in sent]
    assert not any(e["type"] == "output_audio_buffer.clear" for e in sent)
    item_id = truncates[0]["item_id"]
    # What the service sent for that item, against what reached the output file.
    received = np.frombuffer(
        b"".join(
            base64.b64decode(entry["event"]["delta"])
            for entry in log_lines
            if entry["dir"] == "recv"
            and entry.get("event", {}).get("type") == "response.output_audio.delta"
            and entry["event"]["item_id"] == item_id
        ),
        dtype="<i2",
    )
    played = _read(reply)[:, 0]
    first = int(np.flatnonzero(played)[0])
    # the answer may begin with a few zero samples (a fade-in): align on the first 20 ms
    start = next(
        c
        for c in range(max(0, first - 20), first + 1)
        if np.abs(played[c : c + 20 * MS].astype(int) - received[: 20 * MS]).max() <= 1
    )
    head = min(len(received), len(played) - start)
    # Only clear sound counts: a tone's faint tail is +-1 and looks alike flushed or not.
    loud = np.abs(received[:head].astype(int)) >= 100
    changed = np.abs(played[start : start + head].astype(int) - received[:head]) > 1
    cut = np.flatnonzero(changed & loud)
    assert cut.size, "the answer was never cut off"
    heard = int(cut[0])  # the first sound the flush removed
    # A flush inside a pause of the answer changes nothing until the next sound: the output
    # proves playback up to the last sound before `heard`, and not beyond `heard`.
    proven = int(np.flatnonzero(loud[:heard])[-1]) + 1
    end_ms = truncates[0]["audio_end_ms"]
    assert proven / MS - 20 <= end_ms <= heard / MS + 20, (end_ms, proven / MS, heard / MS)
    # After the flush's few-ms fade, nothing more of the cut answer: silence until the second
    # answer, which can only start once the second utterance has ended.
    after = played[start + heard + 10 * MS :]
    silent_ms = np.flatnonzero(after)[0] / MS if np.count_nonzero(after) else len(after) / MS
    assert silent_ms >= len(second) / MS
    assert "1 interrupted" in run.err
    assert "assistant (interrupted" in run.out
