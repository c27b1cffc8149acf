"""The emulator's audio helpers: synthesis, G.711, energy VAD, and the strict field walk."""

from __future__ import annotations

import numpy as np

from realtime_cli.emulator.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from realtime_cli.emulator.synth import speak, word_pieces
from realtime_cli.emulator.unknown_fields import find_unknown_field
from realtime_cli.emulator.vad import (
    SERVICE_DBFS,
    EnergyVad,
    SpeechStart,
    SpeechStop,
    threshold_dbfs,
)
from realtime_cli.protocol import ConversationItemCreate, ResponseCreate, SessionUpdate
from tests.emulator.support import speech_pcm


def test_speech_is_deterministic_and_grows_with_the_text() -> None:
    short = speak("Hello there.")
    again = speak("Hello there.")
    long = speak("Hello there, this is a considerably longer sentence to say.")
    assert np.array_equal(short.samples, again.samples)
    assert long.duration_ms > 2 * short.duration_ms
    assert "".join(piece for _, piece in long.words) == (
        "Hello there, this is a considerably longer sentence to say."
    )
    starts = [start for start, _ in long.words]
    assert starts == sorted(starts) and starts[0] == 0
    assert speak("Hi.", speed=1.5).duration_ms < speak("Hi.").duration_ms
    assert np.abs(short.samples).max() < 32767  # no clipping
    assert word_pieces("") == []


def test_g711_round_trip_is_close() -> None:
    t = np.arange(800) / 8000
    wave = (np.sin(2 * np.pi * 300 * t) * 12000).astype(np.int16)
    for encode, decode in ((ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)):
        data = encode(wave)
        assert len(data) == len(wave)
        error = np.abs(decode(data).astype(np.int32) - wave)
        assert error.max() < 12000 * 0.05


def test_vad_reports_onset_and_end_with_silence() -> None:
    vad = EnergyVad(threshold=0.5, silence_duration_ms=300)
    pcm = speech_pcm(
        ("silence", 250), ("tone", 300), ("silence", 150), ("tone", 200), ("silence", 400)
    )
    samples = np.frombuffer(pcm, dtype="<i2")
    events = []
    for start in range(0, len(samples), 480 * 3 + 7):  # odd chunking on purpose
        events += vad.feed(samples[start : start + 480 * 3 + 7])
    assert events == [SpeechStart(250), SpeechStop(250 + 300 + 150 + 200 + 300)]
    assert vad.position_ms == 1300


def test_vad_threshold_maps_to_level() -> None:
    # The default threshold is where the service's detector is believed to fire.
    assert threshold_dbfs(0.5) == SERVICE_DBFS == -45
    assert threshold_dbfs(0.0) == -70 and threshold_dbfs(1.0) == -20
    quiet = speech_pcm(("tone", 300))
    samples = (np.frombuffer(quiet, dtype="<i2") * 0.02).astype(np.int16)  # about -49 dBFS
    assert EnergyVad(threshold=0.5).feed(samples) == []
    assert EnergyVad(threshold=0.3).feed(samples) == [SpeechStart(0)]


def test_the_default_vad_is_as_sensitive_as_the_service() -> None:
    # A 300 ms tone at -42 dBFS RMS (the level of a voice a few metres off, or of a loud
    # echo): the detector the service is believed to have fires; the old default (-35 dBFS)
    # did not, which let such audio pass unnoticed. A fixed level still overrides.
    tone = np.frombuffer(speech_pcm(("tone", 300)), dtype="<i2")
    rms_dbfs = 20 * np.log10(np.sqrt(np.mean(tone.astype(np.float64) ** 2)) / 32768)
    samples = (tone * 10 ** ((-42 - rms_dbfs) / 20)).astype(np.int16)
    assert EnergyVad(threshold=0.5).feed(samples) == [SpeechStart(0)]
    assert EnergyVad(threshold=0.5, level_dbfs=-45.0).feed(samples) == [SpeechStart(0)]
    assert EnergyVad(threshold=0.5, level_dbfs=-40.0).feed(samples) == []
    assert EnergyVad(threshold=0.7).feed(samples) == []  # a higher threshold: deafer


def test_unknown_fields_are_found_with_their_path() -> None:
    ok = {
        "type": "session.update",
        "session": {"type": "realtime", "audio": {"output": {"voice": "ash"}}},
    }
    assert find_unknown_field(ok, SessionUpdate) is None
    nested = {
        "type": "session.update",
        "session": {
            "type": "realtime",
            "audio": {"input": {"turn_detection": {"type": "server_vad", "x": 1}}},
        },
    }
    assert find_unknown_field(nested, SessionUpdate) == "session.audio.input.turn_detection.x"
    item = {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "txt": "a"}],
        },
    }
    assert find_unknown_field(item, ConversationItemCreate) == "item.content[0].txt"
    beta = {"type": "response.create", "response": {"modalities": ["text"]}}
    assert find_unknown_field(beta, ResponseCreate) == "response.modalities"
    top = {"type": "response.create", "extra": 1}
    assert find_unknown_field(top, ResponseCreate) == "extra"
