"""The voice path on real devices (rt issue 9): barge-in and playback through real PortAudio
on the virtual PulseAudio devices (`tests/audio/virtual_audio.py`), with the settings of
`rt talk` (`SoundDeviceSpeaker` defaults: latency 'low', 10 ms blocks), measured at the
speaker's monitor by an independent `parec` tap.

- Audible stop: `input_audio_buffer.speech_started` reaching the session -> the reply's last
  sample at the monitor (the tap's arrival time, an upper bound). Trials whose cut fell in a
  gap between words (silent at the trigger) are counted, not measured.
- Truncate error: the truncate's `audio_end_ms` - the reply audio that reached the monitor
  (the reply aligned with its known samples; inside a word gap any point of the gap is exact).
- TUI stop figure: what `session.barge_in_ms` reports (the audible stop rt estimates).
- First-sample latency: an answer's first audio delta reaching the session -> its first
  sample at the monitor, with audio arriving faster than real time (emulator speed 5).
- Underruns: one session of answers paced at exactly real time in 100 ms chunks.
The device latency is the one PortAudio reported for the stream.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
from pathlib import Path

import numpy as np

from realtime_cli.emulator import Emulator
from tests.audio.device_barge_in import DeviceBargeIn, barge_in_on_device
from tests.audio.device_playback import PlayedAnswers, play_answers
from tests.audio.virtual_audio import VirtualAudio, missing_reason

TRIALS = 20
FAST_ANSWERS = 5
PACED_ANSWERS = 4
WHERE = "virtual PulseAudio speaker through PortAudio (ALSA pulse plugin), latency 'low'"


async def _barge_ins(env: dict[str, str]) -> list[DeviceBargeIn]:
    rng = random.Random(5)
    async with Emulator(speed=5.0) as emu:
        return [await barge_in_on_device(emu, env, rng.uniform(0.3, 1.5)) for _ in range(TRIALS)]


def _row(name: str, value: float | None, unit: str, note: str) -> dict[str, object]:
    return {"name": name, "value": value, "unit": unit, "note": note}


def run() -> list[dict[str, object]]:
    """Audible stop, truncation error, first-sample latency and underruns on the device."""
    reason = missing_reason()
    if reason is not None:
        return [_row("device figures", None, "", f"skipped: {reason}")]
    audio = VirtualAudio(Path(tempfile.mkdtemp(prefix="rt-bench-audio-")))
    audio.start()
    try:
        audio.use_in_this_process()
        trials = asyncio.run(_barge_ins(audio.env))
        fast: PlayedAnswers = asyncio.run(play_answers(audio.env, FAST_ANSWERS, speed=5.0))
        paced: PlayedAnswers = asyncio.run(
            play_answers(audio.env, PACED_ANSWERS, speed=1.0, chunk_ms=100)
        )
    finally:
        audio.stop()
    latency = trials[0].output_latency_ms
    stops = [t.audible_stop_ms for t in trials if t.audible_stop_ms is not None]
    errors = [t.truncate_error_ms for t in trials]
    reported = [t.reported_stop_ms for t in trials]
    underrun_trials = sum(1 for t in trials if t.underruns)
    gaps = len(trials) - len(stops)
    where = f"{WHERE} ({latency:.0f} ms reported), monitor tapped by parec"
    rows = [
        _row(
            "device: audible stop (speech_started -> silence at the monitor), median",
            statistics.median(stops),
            "ms",
            f"{len(stops)} of {TRIALS} barge-ins ({gaps} cut in a word gap, counted not "
            f"timed; {underrun_trials} with an underrun, kept); max {max(stops):.1f} ms; "
            f"{where}; target <= 20 ms",
        ),
        _row(
            "device: truncate error (audio_end_ms - audio at the monitor), max |error|",
            float(np.max(np.abs(errors))),
            "ms",
            f"{TRIALS} barge-ins, median {statistics.median(errors):+.1f} ms (negative: rt "
            f"credits less than the monitor got); {where}; target +-20 ms",
        ),
        _row(
            "device: TUI stop figure (session.barge_in_ms), median",
            statistics.median(reported),
            "ms",
            f"what `rt talk` shows as the stop time, same {TRIALS} barge-ins",
        ),
        _row(
            "device: first sample (first delta at rt -> sound at the monitor), max",
            max(fast.first_sample_ms),
            "ms",
            f"{FAST_ANSWERS} answers, emulator 5x real time, median "
            f"{statistics.median(fast.first_sample_ms):.1f} ms, device latency included; "
            f"{where}; target <= 60 ms",
        ),
        _row(
            "device: dropouts at real-time pacing, first answer / later answers",
            float(paced.underruns[0]),
            "",
            f"later answers: {sum(paced.underruns[1:])} over {PACED_ANSWERS - 1}; 100 ms "
            f"chunks at exactly real time; PortAudio output underflows "
            f"{paced.device_underflows}; {where}; target <= 1 then 0",
        ),
    ]
    return rows
