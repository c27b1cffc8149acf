"""The stereo session recorder: left microphone, right played audio, time-aligned."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from realtime_cli.audio.recorder import StereoRecorder
from realtime_cli.audio.wav_devices import WavSpeaker
from realtime_cli.audio.wavfile import read_wav, wav_info


def _click_track(seconds: float, at: int) -> np.ndarray:
    x = np.zeros(round(seconds * 24000), dtype=np.int16)
    x[at] = 20000
    return x


def test_channels_are_aligned_by_their_timestamps(tmp_path: Path) -> None:
    path = tmp_path / "session.wav"
    rec = StereoRecorder(path)
    mic = _click_track(2.0, 24000)  # captured from t=10.0: click at 11.0
    played = _click_track(1.5, 16800)  # heard from t=10.3: click at 11.0
    jitter = np.random.default_rng(2).uniform(-0.004, 0.004, 100)
    jitter[[0, 7]] = 0.0  # the first timestamp of each stream anchors it
    mic_chunks = [mic[i : i + 480] for i in range(0, mic.size, 480)]
    played_chunks = [played[i : i + 1000] for i in range(0, played.size, 1000)]
    for k in range(max(len(mic_chunks), len(played_chunks))):
        if k < len(mic_chunks):
            rec.add_left(mic_chunks[k], 10.0 + k * 0.02 + jitter[k % 100])
        if k < len(played_chunks):
            # Stream clocks jitter; sample counts do not: the recorder keeps tracks contiguous.
            rec.add_right(played_chunks[k], 10.3 + k * 1000 / 24000 + jitter[(k + 7) % 100])
    rec.close()
    data, rate = read_wav(path)
    assert rate == 24000 and data.shape[1] == 2
    assert int(np.argmax(data[:, 0])) == 24000
    assert int(np.argmax(data[:, 1])) == 24000
    assert data.shape[0] == 48000
    assert not data[:7200, 1].any()  # nothing was heard before 10.3


def test_a_gap_in_one_stream_becomes_silence(tmp_path: Path) -> None:
    path = tmp_path / "session.wav"
    rec = StereoRecorder(path)
    ones = np.full(2400, 1000, dtype=np.int16)
    rec.add_left(np.zeros(9600, dtype=np.int16), 0.0)
    rec.add_right(ones, 0.0)
    rec.add_right(ones, 0.2)  # 100 ms of audio went missing (a device hiccup)
    rec.close()
    data, _ = read_wav(path)
    right = np.rint(data[:, 1] * 32768)
    assert right[:2400].all() and not right[2400:4800].any() and right[4800:7200].all()


def test_one_silent_channel_does_not_hold_back_the_file(tmp_path: Path) -> None:
    path = tmp_path / "session.wav"
    rec = StereoRecorder(path, max_lag_s=0.5)
    for k in range(100):  # 2 s of microphone, nothing played
        rec.add_left(np.full(480, 5, dtype=np.int16), k * 0.02)
    assert rec.frames_written >= 48000 - 12000 - 480
    rec.close()
    info = wav_info(path)
    assert (info.channels, info.frames) == (2, 48000)


def test_float_input_is_converted(tmp_path: Path) -> None:
    path = tmp_path / "session.wav"
    rec = StereoRecorder(path)
    rec.add_left(np.full(100, 0.5, dtype=np.float32), 1.0)
    rec.add_right(np.full(100, -0.5, dtype=np.float32), 1.0)
    rec.close()
    data, _ = read_wav(path)
    np.testing.assert_allclose(data, [[0.5, -0.5]] * 100)


def test_speaker_feeds_the_right_channel(tmp_path: Path) -> None:
    rec = StereoRecorder(tmp_path / "session.wav")
    audio = np.full(2400, 8000, dtype=np.int16)

    async def scenario() -> None:
        speaker = WavSpeaker(tmp_path / "out.wav", pacing="manual", recorder=rec)
        rec.add_left(np.zeros(480, dtype=np.int16), asyncio.get_running_loop().time())
        speaker.play(audio, "a")
        speaker.advance(0.3)
        await speaker.close()

    asyncio.run(scenario())
    rec.close()
    data, _ = read_wav(tmp_path / "session.wav")
    right = np.rint(data[:, 1] * 32768).astype(np.int16)
    loud = np.flatnonzero(right)
    assert loud.size == 2400
    assert np.all(right[loud] == 8000)
    assert loud[0] < 240  # the speaker's clock started with the microphone's
