"""WAV microphone and speaker: conversion, pacing, played accounting, truncation on flush."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np
import pytest

from realtime_cli.audio.interfaces import Microphone, Speaker
from realtime_cli.audio.wav_devices import WavMicrophone, WavSpeaker
from realtime_cli.audio.wavfile import read_wav, write_wav
from tests.audio.signals import tone, tone_pcm16


async def _collect(mic: WavMicrophone) -> list[np.ndarray]:
    frames = [frame async for frame in mic]
    await mic.close()
    return frames


def _mic_frames(path: Path, **kwargs: object) -> list[np.ndarray]:
    return asyncio.run(_collect(WavMicrophone(path, realtime=False, **kwargs)))  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["int16", "int24", "int32", "float32", "float64"])
@pytest.mark.parametrize(("rate", "channels"), [(44100, 2), (48000, 1), (16000, 1), (24000, 2)])
def test_microphone_converts_any_wav_to_24k_frames(
    tmp_path: Path, fmt: str, rate: int, channels: int
) -> None:
    signal = tone(1000.0, rate, 0.5, amplitude=0.5)
    path = tmp_path / "in.wav"
    write_wav(path, np.stack([signal] * channels, axis=1), rate, fmt)  # type: ignore[arg-type]
    frames = _mic_frames(path)
    assert all(f.shape == (480,) and f.dtype == np.int16 for f in frames)
    assert len(frames) in (25, 26)  # 0.5 s plus the resampler's ~2 ms tail, zero padded
    pcm = np.concatenate(frames).astype(np.float64) / 32768
    steady = pcm[500:11500]
    assert np.sqrt(2 * np.mean(steady**2)) == pytest.approx(0.5, rel=0.003)
    # 1 kHz at 24 kHz is 24 samples per period.
    spectrum = np.abs(np.fft.rfft(steady * np.hanning(steady.size)))
    assert np.fft.rfftfreq(steady.size, 1 / 24000)[int(np.argmax(spectrum))] == pytest.approx(
        1000, abs=3
    )


def test_microphone_at_24k_mono_int16_is_bit_exact(tmp_path: Path) -> None:
    pcm = tone_pcm16(440, 0.1)
    path = tmp_path / "in.wav"
    write_wav(path, pcm, 24000)
    frames = _mic_frames(path, trailing_silence_s=0.04)
    assert len(frames) == 5 + 2
    np.testing.assert_array_equal(np.concatenate(frames)[:2400], pcm)
    assert not np.concatenate(frames)[2400:].any()


def test_microphone_realtime_pacing_is_not_faster_than_real_time(tmp_path: Path) -> None:
    path = tmp_path / "in.wav"
    write_wav(path, tone_pcm16(440, 0.1), 24000)
    start = time.monotonic()
    frames = asyncio.run(_collect(WavMicrophone(path, realtime=True)))
    assert len(frames) == 5
    assert time.monotonic() - start >= 0.095  # frame k is released when it would be recorded


def test_devices_satisfy_the_protocols(tmp_path: Path) -> None:
    write_wav(tmp_path / "in.wav", tone_pcm16(440, 0.02), 24000)

    async def check() -> None:
        mic = WavMicrophone(tmp_path / "in.wav")
        speaker = WavSpeaker(tmp_path / "out.wav", pacing="manual")
        assert isinstance(mic, Microphone)
        assert isinstance(speaker, Speaker)
        await mic.close()
        await speaker.close()

    asyncio.run(check())


def test_speaker_writes_exactly_what_was_played_and_truncates_on_flush(tmp_path: Path) -> None:
    path = tmp_path / "out.wav"
    audio = tone_pcm16(440, 1.0)

    async def scenario() -> dict[str, int]:
        speaker = WavSpeaker(path, pacing="manual", block_s=0.01, fade_s=0.004)
        speaker.play(audio[:12000], "a")
        speaker.play(audio[12000:], "a")
        speaker.advance(0.3)
        assert speaker.played_ms("a") == 290  # the block being played is not yet heard
        report = speaker.flush()
        speaker.advance(0.2)
        assert speaker.played_ms("a") == report["a"]
        await speaker.close()
        return report

    report = asyncio.run(scenario())
    assert report == {"a": (7200 + 96) * 1000 // 24000}
    written, rate = read_wav(path)
    assert rate == 24000
    pcm = np.rint(written[:, 0] * 32768).astype(np.int16)
    assert pcm.size == 12000  # 0.5 s of device time
    np.testing.assert_array_equal(pcm[:7200], audio[:7200])
    fade = pcm[7200:7296].astype(np.float64)
    assert np.all(np.abs(fade) <= np.abs(audio[7200:7296]) + 1)
    assert abs(fade[-1]) < 20
    assert not pcm[7296:].any()  # nothing after the cut reached the file


def test_speaker_at_48k_with_latency_flush_and_accounting(tmp_path: Path) -> None:
    path = tmp_path / "out.wav"

    async def scenario() -> tuple[dict[str, int], int]:
        speaker = WavSpeaker(path, rate=48000, pacing="manual", output_latency=0.05)
        speaker.play(tone_pcm16(1000, 2.0, amplitude=0.8), "a")
        speaker.advance(0.5)
        heard_before = speaker.played_ms("a")
        report = speaker.flush()
        speaker.advance(0.2)
        await speaker.close()
        return report, heard_before

    report, heard_before = asyncio.run(scenario())
    # 500 ms rendered, minus the last block, 50 ms of device latency and the ~2 ms filter.
    assert heard_before in (437, 438)
    assert report == {"a": 504}
    written, _ = read_wav(path)
    mono = written[:, 0]
    cut = 24000  # 0.5 s at 48 kHz
    assert np.abs(mono[cut - 480 : cut]).max() > 0.5
    assert np.abs(mono[cut + 480 :]).max() < 1e-4  # silent within one 10 ms block


def test_speaker_fast_pacing_plays_back_to_back(tmp_path: Path) -> None:
    path = tmp_path / "out.wav"
    audio = tone_pcm16(440, 0.5)

    async def scenario() -> WavSpeaker:
        speaker = WavSpeaker(path, pacing="fast")
        for start in range(0, audio.size, 1234):  # chunk sizes unrelated to blocks
            speaker.play(audio[start : start + 1234], "a")
        await speaker.drain()
        await speaker.close()
        return speaker

    speaker = asyncio.run(scenario())
    written, _ = read_wav(path)
    pcm = np.rint(written[:, 0] * 32768).astype(np.int16)
    np.testing.assert_array_equal(pcm[: audio.size], audio)
    assert not pcm[audio.size :].any()
    assert speaker.played_ms("a") == 500
    assert speaker.underruns == 0


def test_speaker_realtime_pacing_plays_and_drains(tmp_path: Path) -> None:
    path = tmp_path / "out.wav"
    audio = tone_pcm16(440, 0.1)

    async def scenario() -> int:
        async with WavSpeaker(path, pacing="realtime", prebuffer_s=0.02) as speaker:
            speaker.play(audio, "a")
            speaker.end_item("a")
            await speaker.drain(timeout=2.0)
            return speaker.played_ms("a")

    assert asyncio.run(scenario()) == 100
    written, _ = read_wav(path)
    pcm = np.rint(written[:, 0] * 32768).astype(np.int16)
    # The clock starts with the first play(), which already exceeds the prebuffer.
    np.testing.assert_array_equal(pcm[: audio.size], audio)
    assert not pcm[audio.size :].any()


def test_speaker_underruns_are_counted(tmp_path: Path) -> None:
    async def scenario() -> int:
        speaker = WavSpeaker(tmp_path / "out.wav", pacing="manual", prebuffer_s=0.05)
        speaker.play(tone_pcm16(440, 0.1), "a")
        speaker.advance(0.2)
        speaker.play(tone_pcm16(440, 0.1), "a")
        speaker.advance(0.2)
        await speaker.close()
        return speaker.underruns

    assert asyncio.run(scenario()) == 1
