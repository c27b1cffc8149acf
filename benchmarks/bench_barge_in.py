"""Barge-in, end to end against the emulator (rt issue 5): how fast the output goes silent
and how exactly the truncation matches what was played.

Each trial opens a `VoiceSession` with server VAD (`interrupt_response` on, `create_response`
off) and a `WavSpeaker` in "realtime" pacing (10 ms blocks rendered on the wall clock, like a
sound card), asks for a long spoken reply, lets a random stretch of it play, then streams
synthesized speech as microphone frames (20 ms apart) until the emulator's VAD answers with
`input_audio_buffer.speech_started`; the session flushes playback and sends
`conversation.item.truncate`. The emulator runs in this process.

- Stop latency: from the speech_started reaching the session (`session.barge_in_ms` gives the
  flush's delay after it) to the last non-zero sample written to the WAV, where each rendered
  block's samples are placed on the wall clock from the moment it was rendered (a device with
  no output latency plays a block from its callback on). It is the flush delay, the wait for
  the next block, and the 4 ms fade. Trials where the output was already silent at the
  trigger (a gap between words) are counted but left out of this figure.
- Truncate accuracy: |`audio_end_ms` of the truncate the emulator received - the reply audio
  actually in the WAV|. The WAV is read back and aligned with the emulator's deterministic
  speech for the reply (`synth.speak`); the audio written is everything up to the flush,
  checked sample by sample against that speech, plus the fade rendered after it (where the
  fade is silent in the file, any length up to the 4 ms it may have had counts as exact).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from realtime_cli.audio import WavSpeaker
from realtime_cli.audio.playback_buffer import DEFAULT_FADE_S
from realtime_cli.emulator import Emulator
from realtime_cli.emulator.synth import SAMPLE_RATE, speak
from realtime_cli.protocol import ConversationItemTruncate, ServerVad
from realtime_cli.session import VoiceSession

TRIALS = 30
BLOCK_S = 0.01
#: Long words: few gaps between words, so few trials land in silence. About 25 s of audio.
REPLY = " ".join(["internationalization characteristically"] * 16) + "."
USER_SPEECH = speak("stop stop stop stop stop").samples
FRAME = 480  # 20 ms
PLAY_BEFORE_S = (0.2, 1.2)
FADE = round(DEFAULT_FADE_S * SAMPLE_RATE)
TARGET_STOP_MS = 20.0
TARGET_TRUNCATE_MS = 20.0


class _TimedSpeaker(WavSpeaker):
    """A WavSpeaker that notes when each block was rendered and when flush() was called."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, pacing="realtime", block_s=BLOCK_S)
        self.blocks: list[tuple[float, int]] = []  # (monotonic time, first frame)
        self.flushed_at: tuple[float, int] | None = None  # (monotonic time, frames written)

    def _render(self, n_frames: int) -> None:
        self.blocks.append((time.monotonic(), self.frames_written))
        super()._render(n_frames)

    def flush(self) -> dict[str, int]:
        report = super().flush()
        if self.flushed_at is None:
            self.flushed_at = (time.monotonic(), self.frames_written)
        return report


@dataclass
class _Trial:
    stop_ms: float | None  # None: the output was already silent at the trigger
    truncate_error_ms: float
    flush_ms: float
    played_ms: float


def _read_wav(path: Path) -> np.ndarray[Any, np.dtype[np.int16]]:
    with wave.open(str(path), "rb") as wav:
        assert wav.getframerate() == SAMPLE_RATE and wav.getnchannels() == 1
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def _wall_time(blocks: list[tuple[float, int]], frame: int) -> float:
    """When output frame `frame` played: its block's render time plus its offset in it."""
    starts = [start for _, start in blocks]
    index = max(0, int(np.searchsorted(starts, frame, side="right")) - 1)
    rendered, start = blocks[index]
    return rendered + (frame - start) / SAMPLE_RATE


async def _speak_into(session: VoiceSession) -> None:
    """Stream the user's speech as 20 ms microphone frames until cancelled."""
    for start in range(0, USER_SPEECH.size - FRAME + 1, FRAME):
        await session.send_pcm16(USER_SPEECH[start : start + FRAME])
        await asyncio.sleep(FRAME / SAMPLE_RATE)


async def _trial(
    emu: Emulator, path: Path, play_s: float, reference: np.ndarray[Any, Any]
) -> _Trial | None:
    """One barge-in; None when the output cannot be aligned with the reply (an underrun
    put a gap in it, or it differs from the reply's audio)."""
    speaker = _TimedSpeaker(path)
    vad = ServerVad(create_response=False, interrupt_response=True)
    emu.queue_reply(REPLY)
    async with VoiceSession.connect(
        api_key="sk-bench", base_url=emu.base_url, vad=vad, speaker=speaker
    ) as session:
        connection = emu.connections[-1].index
        await session.say("Talk for a while.")
        async with asyncio.timeout(10):
            while not speaker.buffer.primed:
                await asyncio.sleep(0.002)
        await asyncio.sleep(play_s)
        talking = asyncio.create_task(_speak_into(session))
        try:
            async with asyncio.timeout(10):
                while not [
                    e
                    for e in emu.client_events(connection)
                    if isinstance(e, ConversationItemTruncate)
                ]:
                    await asyncio.sleep(0.002)
            await asyncio.sleep(0.05)  # a few more blocks of (silent) output
        finally:
            talking.cancel()
        flush_ms = session.barge_in_ms[0]
        truncates = [
            e for e in emu.client_events(connection) if isinstance(e, ConversationItemTruncate)
        ]
    await speaker.close()
    assert len(truncates) == 1 and speaker.flushed_at is not None, truncates
    if speaker.underruns:
        return None
    flushed_time, flushed_frame = speaker.flushed_at
    out = _read_wav(path)

    # Align the output with the reply's speech and check everything before the flush.
    offset = int(np.flatnonzero(out)[0] - np.flatnonzero(reference)[0])
    before = flushed_frame - offset
    if not 0 < before < reference.size or np.any(out[offset:flushed_frame] != reference[:before]):
        return None
    after = np.flatnonzero(out[flushed_frame:])
    fade = int(after[-1]) + 1 if after.size else 0
    # Fade samples that are silent in the file (quiet audio faded, or rounded to zero) may or
    # may not count as played: anything from the last audible one to the fade's full length.
    lowest, highest = before + fade, before + max(fade, FADE)
    end = truncates[0].audio_end_ms * SAMPLE_RATE / 1000
    error_ms = max(lowest - end, end - highest, 0.0) * 1000 / SAMPLE_RATE

    trigger = flushed_time - flush_ms / 1000
    sounding = np.any(out[max(0, flushed_frame - 48) : flushed_frame])  # the last 2 ms
    stop_ms: float | None = None
    if sounding:
        silent_from = flushed_frame + fade
        stop_ms = (_wall_time(speaker.blocks, silent_from) - trigger) * 1000
    return _Trial(stop_ms, error_ms, flush_ms, before * 1000 / SAMPLE_RATE)


async def _trials() -> list[_Trial | None]:
    rng = random.Random(5)
    reference = speak(REPLY).samples
    results: list[_Trial | None] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with Emulator(speed=5.0) as emu:
            for index in range(TRIALS + 1):
                trial = await _trial(
                    emu, Path(tmp) / f"out{index}.wav", rng.uniform(*PLAY_BEFORE_S), reference
                )
                if index:  # the first one warms up imports and caches
                    results.append(trial)
    return results


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def run() -> list[dict[str, object]]:
    """Stop latency and truncate error percentiles over the barge-in trials, in ms."""
    outcomes = asyncio.run(_trials())
    trials = [t for t in outcomes if t is not None]
    unusable = len(outcomes) - len(trials)
    stops = [t.stop_ms for t in trials if t.stop_ms is not None]
    errors = [t.truncate_error_ms for t in trials]
    flushes = [t.flush_ms for t in trials]
    played = [t.played_ms for t in trials]
    where = (
        f"{len(trials)} barge-ins at {min(played) / 1000:.1f}-{max(played) / 1000:.1f} s "
        "into the reply"
    )
    gaps = len(trials) - len(stops)
    stop_note = (
        f"{len(stops)} of {where}, realtime WavSpeaker with {BLOCK_S * 1000:.0f} ms blocks "
        f"({gaps} already silent at the trigger left out); target <= {TARGET_STOP_MS:.0f} ms "
        "(one output block)"
    )
    truncate_note = (
        f"{where}; |audio_end_ms - reply audio in the WAV|; target <= {TARGET_TRUNCATE_MS:.0f} ms"
    )
    if unusable:
        truncate_note += f"; {unusable} more left out (output not aligned with the reply)"
    rows: list[dict[str, object]] = []
    for q in (50, 99):
        rows.append(
            {
                "name": f"barge-in stop latency (speech_started -> silent output), p{q}",
                "value": _pct(stops, q),
                "unit": "ms",
                "note": stop_note,
            }
        )
    rows.append(
        {
            "name": "barge-in flush delay (speech_started -> playback flushed), p99",
            "value": _pct(flushes, 99),
            "unit": "ms",
            "note": f"session.barge_in_ms over {where}; median {_pct(flushes, 50):.2f} ms",
        }
    )
    for q in (50, 99, 100):
        rows.append(
            {
                "name": "truncate error, " + (f"p{q}" if q < 100 else "max"),
                "value": _pct(errors, q),
                "unit": "ms",
                "note": truncate_note,
            }
        )
    return rows
