"""`make soak`: a long emulated voice conversation at real-time pacing (not part of make test).

    python -m benchmarks.soak [--minutes 10]

The real voice path of `rt talk` against the emulator (in its own process, streaming 5x
faster than real time like the service): the microphone is a 48 kHz WAV file read at real
time through the capture chain and its resampler (a spoken question, then 2.5 s of
silence, over and over), server VAD takes the turns, and the answers play on a 48 kHz
WavSpeaker rendering 10 ms blocks on the wall clock with 20 ms of simulated output latency,
so the jitter buffer can run dry as on a sound card. Prints the resident memory growth after
warm-up, the task and thread counts at the start and the end, and every playback underrun;
exits 1 if memory grew by more than 2 MB, tasks or threads grew, or playback ran dry.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soxr

from realtime_cli.audio import WavMicrophone, WavSpeaker
from realtime_cli.audio.wavfile import write_wav
from realtime_cli.emulator.synth import SAMPLE_RATE, silence, speak
from realtime_cli.session import ResponseDone, VoiceSession

RATE = 48000
LATENCY_S = 0.02
RSS_LIMIT_MB = 2.0
WARM_UP_FRACTION = 0.15


def rss_mb() -> float:
    """Resident set size of this process, in MiB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def soak(minutes: float) -> int:
    cycle = np.concatenate(
        [speak("Tell me something about the weather today please.").samples, silence(2500)]
    )
    cycles = max(1, round(minutes * 60 * SAMPLE_RATE / len(cycle)))
    with tempfile.TemporaryDirectory() as tmp:
        question = Path(tmp) / "question-48k.wav"
        write_wav(
            question, soxr.resample(cycle.astype(np.float32) / 32768, SAMPLE_RATE, RATE), RATE
        )
        speaker = WavSpeaker(
            Path(tmp) / "soak.wav", rate=RATE, pacing="realtime", output_latency=LATENCY_S
        )
        # The emulator runs in its own process: only rt's memory is measured here.
        emulator = subprocess.Popen(
            [sys.executable, "-m", "realtime_cli", "emulator", "--speed", "5", "--exact"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert emulator.stdout is not None
        base_url = emulator.stdout.readline().strip().removeprefix("base_url: ")
        try:
            responses, samples, counts, wall = await _converse(base_url, speaker, question, cycles)
        finally:
            emulator.send_signal(signal.SIGINT)
            emulator.wait(10)
        await speaker.close()
    tasks_start, tasks_end, threads_start, threads_end = counts
    warm = next(rss for done, rss in samples if done >= WARM_UP_FRACTION)
    growth = samples[-1][1] - warm
    print(f"conversation: {cycles * len(cycle) / SAMPLE_RATE / 60:.1f} min in {wall:.0f} s")
    print(f"responses: {responses}")
    print(f"rss after warm-up: {warm:.1f} MiB, at the end: {samples[-1][1]:.1f} MiB")
    print(f"rss growth after warm-up: {growth:+.2f} MiB (limit {RSS_LIMIT_MB} MiB)")
    print(f"asyncio tasks: {tasks_start} -> {tasks_end}; threads: {threads_start} -> {threads_end}")
    print(
        f"playback underruns (jitter buffer ran dry mid-answer, realtime pacing): "
        f"{speaker.underruns}; jitter buffer start target at the end: "
        f"{speaker.buffer.prebuffer_samples * 1000 // SAMPLE_RATE} ms"
    )
    ok = growth <= RSS_LIMIT_MB and tasks_end <= tasks_start and threads_end <= threads_start
    ok = ok and speaker.underruns == 0 and responses > 0
    print("soak: ok" if ok else "soak: FAILED")
    return 0 if ok else 1


async def _converse(
    base_url: str, speaker: WavSpeaker, question: Path, cycles: int
) -> tuple[int, list[tuple[float, float]], tuple[int, int, int, int], float]:
    responses = 0
    samples: list[tuple[float, float]] = []
    async with VoiceSession.connect(api_key="sk-soak", base_url=base_url, speaker=speaker) as s:

        async def consume() -> None:
            nonlocal responses
            async for event in s.events():
                if isinstance(event, ResponseDone):
                    responses += 1

        consumer = asyncio.create_task(consume())
        speaker.start()  # its clock task runs from here on, like a sound card's stream
        await asyncio.sleep(0.2)
        tasks_start = len(asyncio.all_tasks())
        threads_start = threading.active_count()
        start = time.monotonic()
        for number in range(cycles):
            # Real time through the capture chain: 48 kHz file -> 24 kHz 20 ms frames.
            await s.stream_audio_pcm16(WavMicrophone(question, realtime=True))
            samples.append(((number + 1) / cycles, rss_mb()))
        await speaker.drain(timeout=30)  # the last answer
        counts = (
            tasks_start,
            len(asyncio.all_tasks()),
            threads_start,
            threading.active_count(),
        )
        wall = time.monotonic() - start
        consumer.cancel()
    return responses, samples, counts, wall


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak")
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    return asyncio.run(soak(args.minutes))


if __name__ == "__main__":
    sys.exit(main())
