"""`make soak`: a long emulated voice conversation at accelerated time (not part of make test).

    python -m benchmarks.soak [--minutes 60] [--accel 20]

The real voice path of `rt talk` (VoiceSession with server VAD, conversation core, WAV
speaker) against the emulator: the microphone plays a spoken question then silence, over and
over, `accel` times faster than real time, and the emulator answers just as fast. Prints the
resident memory growth after warm-up, the task and thread counts at the start and the end,
and the speaker's underruns; exits 1 if memory grew by more than 2 MB or tasks or threads
grew.
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

from realtime_cli.audio import WavSpeaker
from realtime_cli.emulator.synth import SAMPLE_RATE, silence, speak
from realtime_cli.session import ResponseDone, VoiceSession

FRAME = 480  # 20 ms
BATCH = 5  # frames sent between sleeps
RSS_LIMIT_MB = 2.0
WARM_UP_FRACTION = 0.15


def rss_mb() -> float:
    """Resident set size of this process, in MiB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def soak(minutes: float, accel: float) -> int:
    cycle = np.concatenate(
        [speak("Tell me something about the weather today please.").samples, silence(2500)]
    )
    frames = [cycle[i : i + FRAME] for i in range(0, len(cycle) - FRAME + 1, FRAME)]
    cycles = max(1, round(minutes * 60 * SAMPLE_RATE / len(cycle)))
    batch_s = BATCH * FRAME / SAMPLE_RATE / accel
    with tempfile.TemporaryDirectory() as tmp:
        speaker = WavSpeaker(Path(tmp) / "soak.wav", pacing="fast")
        # The emulator runs in its own process: only rt's memory is measured here.
        emulator = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "realtime_cli",
                "emulator",
                "--speed",
                str(5 * accel),
                "--exact",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert emulator.stdout is not None
        base_url = emulator.stdout.readline().strip().removeprefix("base_url: ")
        try:
            responses, samples, counts, wall = await _converse(
                base_url, speaker, frames, cycles, batch_s
            )
        finally:
            emulator.send_signal(signal.SIGINT)
            emulator.wait(10)
        await speaker.close()
    tasks_start, tasks_end, threads_start, threads_end = counts
    warm = next(rss for done, rss in samples if done >= WARM_UP_FRACTION)
    growth = samples[-1][1] - warm
    print(f"simulated: {cycles * len(cycle) / SAMPLE_RATE / 60:.1f} min in {wall:.0f} s")
    print(f"responses: {responses}")
    print(f"rss after warm-up: {warm:.1f} MiB, at the end: {samples[-1][1]:.1f} MiB")
    print(f"rss growth after warm-up: {growth:+.2f} MiB (limit {RSS_LIMIT_MB} MiB)")
    print(f"asyncio tasks: {tasks_start} -> {tasks_end}; threads: {threads_start} -> {threads_end}")
    print(f"playback underruns: {speaker.underruns}")
    ok = growth <= RSS_LIMIT_MB and tasks_end <= tasks_start and threads_end <= threads_start
    ok = ok and speaker.underruns == 0 and responses > 0
    print("soak: ok" if ok else "soak: FAILED")
    return 0 if ok else 1


async def _converse(
    base_url: str, speaker: WavSpeaker, frames: list[np.ndarray], cycles: int, batch_s: float
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
        await asyncio.sleep(0.2)
        tasks_start = len(asyncio.all_tasks())
        threads_start = threading.active_count()
        start = time.monotonic()
        for number in range(cycles):
            for i in range(0, len(frames), BATCH):
                for frame in frames[i : i + BATCH]:
                    await s.send_pcm16(frame)
                await asyncio.sleep(batch_s)
            samples.append(((number + 1) / cycles, rss_mb()))
        await asyncio.sleep(1.0)  # the last answer
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
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--accel", type=float, default=20.0)
    args = parser.parse_args()
    return asyncio.run(soak(args.minutes, args.accel))


if __name__ == "__main__":
    sys.exit(main())
