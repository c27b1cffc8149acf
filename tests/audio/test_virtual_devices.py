"""The sounddevice adapters through real PortAudio, on virtual PulseAudio devices."""

from __future__ import annotations

import asyncio
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path
from signal import SIGKILL

import numpy as np
import pytest
import soxr

from realtime_cli.audio.capture import SoundDeviceMicrophone
from realtime_cli.audio.devices import list_devices
from realtime_cli.audio.playback import SoundDeviceSpeaker
from realtime_cli.audio.wavfile import write_wav
from tests.audio.monitor_tap import MonitorTap
from tests.audio.signals import tone, tone_pcm16
from tests.audio.virtual_audio import VirtualAudio, missing_reason

pytestmark = pytest.mark.virtual_audio

# The virtual server is most stable with 100 ms of device latency.
LATENCY = 0.1


def _tone_spans(
    pcm: np.ndarray, threshold: float = 0.05, window: int = 240
) -> list[tuple[int, int]]:
    """(start, end) sample ranges, at 24 kHz, where the envelope (moving average of |x| over
    `window` samples) exceeds threshold."""
    x = np.abs(pcm.astype(np.float64) / 32768)
    env = np.convolve(x, np.ones(window) / window, mode="same")
    loud = env > threshold
    edges = np.flatnonzero(np.diff(loud.astype(np.int8)))
    bounds = [0, *(edges + 1).tolist(), loud.size]
    return [(a, b) for a, b in itertools.pairwise(bounds) if loud[a]]


def test_virtual_devices_are_listed(virtual_audio: VirtualAudio) -> None:
    names = {d.name for d in list_devices()}
    assert {"vspeaker", "vspeaker_monitor", "vmic"} <= names


def test_speaker_plays_and_flushes_through_portaudio(virtual_audio: VirtualAudio) -> None:
    async def scenario() -> tuple[np.ndarray, dict[str, int], int, int]:
        # parec with 5 ms of latency: a slow reader of the monitor would let the null sink
        # render ahead, and the monitor would show audio that a flush rewinds.
        tap = MonitorTap(virtual_audio.env)
        speaker = SoundDeviceSpeaker("vspeaker", latency=LATENCY)
        try:
            async with speaker:
                await asyncio.sleep(0.6)  # the first moments of a virtual stream can drop audio
                speaker.play(tone_pcm16(1000, 0.5, amplitude=0.5), "a")
                speaker.end_item("a")
                await speaker.drain(timeout=3.0)
                played_a = speaker.played_ms("a")
                speaker.play(tone_pcm16(500, 2.0, amplitude=0.5), "b")
                await asyncio.sleep(0.5)
                report = speaker.flush()
                await asyncio.sleep(0.4)
        finally:
            pcm48 = tap.stop()
        pcm = soxr.resample(pcm48, 48000, 24000)
        return pcm, report, played_a, speaker.underruns

    pcm, report, played_a, underruns = asyncio.run(scenario())
    assert played_a == 500
    assert underruns == 0
    spans = _tone_spans(pcm, window=48)  # 2 ms: one period of the lower tone
    assert len(spans) == 2, spans
    (a0, a1), (b0, b1) = spans
    assert abs((a1 - a0) / 24 - 500) <= 15
    # What the monitor heard of "b" is what flush() reported as played.
    assert 200 <= report["b"] <= 700
    assert abs((b1 - b0) / 24 - report["b"]) <= 20
    assert np.abs(pcm[b1 + 480 :]).max() < 300  # silence after the cut


def test_microphone_captures_the_virtual_microphone(
    virtual_audio: VirtualAudio, tmp_path: Path
) -> None:
    wav = tmp_path / "speech.wav"
    signal = np.concatenate([np.zeros(24000), tone(1000.0, 48000, 0.8, amplitude=0.5)])
    write_wav(wav, signal.astype(np.float32), 48000)

    async def scenario() -> np.ndarray:
        frames: list[np.ndarray] = []
        async with SoundDeviceMicrophone("vmic", latency=LATENCY, silence_timeout_s=None) as mic:
            feeder = virtual_audio.feed_microphone(wav)
            async for frame in mic:
                frames.append(frame)
                if len(frames) >= 100:  # 2 s
                    break
            await asyncio.to_thread(feeder.wait, 5)
        return np.concatenate(frames)

    pcm = asyncio.run(scenario())
    spans = _tone_spans(pcm)
    assert len(spans) == 1, spans
    start, end = spans[0]
    assert abs((end - start) / 24 - 800) <= 20
    steady = pcm[start + 1200 : end - 1200].astype(np.float64) / 32768
    assert np.sqrt(2 * np.mean(steady**2)) == pytest.approx(0.5, rel=0.05)
    spectrum = np.abs(np.fft.rfft(steady * np.hanning(steady.size)))
    assert np.fft.rfftfreq(steady.size, 1 / 24000)[int(np.argmax(spectrum))] == pytest.approx(
        1000, abs=5
    )


_STARTS_AND_WAITS = """
import sys, time
from pathlib import Path
from tests.audio.virtual_audio import VirtualAudio
va = VirtualAudio(Path(sys.argv[1]))
va.start()
va.room_noise(-60.0)
print(*(p.pid for p in va._procs), flush=True)
time.sleep(60)
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has ended; whoever adopted it has not reaped it yet


def test_a_killed_owner_leaves_no_pulseaudio_behind(tmp_path: Path) -> None:
    # A test or bench run killed by a timeout never reaches stop(): the server, its keep-alive
    # readers and the room noise must still end with it.
    reason = missing_reason()
    if reason is not None:
        pytest.skip(reason)
    owner = subprocess.Popen(
        [sys.executable, "-c", _STARTS_AND_WAITS, str(tmp_path)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2],
    )  # fmt: skip
    assert owner.stdout is not None
    pids = [int(pid) for pid in owner.stdout.readline().split()]
    try:
        assert len(pids) == 5 and all(_running(pid) for pid in pids)  # server, 2 readers, noise
        owner.kill()
        owner.wait()
        deadline = time.monotonic() + 10
        while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [pid for pid in pids if _running(pid)] == []
    finally:
        owner.kill()
        for pid in pids:
            if _running(pid):
                os.kill(pid, SIGKILL)
