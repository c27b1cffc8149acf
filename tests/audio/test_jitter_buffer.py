"""The adaptive start of answers, on a fake clock: no extra delay when audio arrives faster
than real time; at exactly real-time pacing in 100 ms chunks, at most one dropout in the
first answer and none in later ones; the user's floor is kept."""

from __future__ import annotations

import random

import numpy as np

from realtime_cli.audio.jitter_target import JitterTarget
from realtime_cli.audio.playback_buffer import PlaybackBuffer
from tests.audio.signals import tone_pcm16

BLOCK_S = 0.01


def _session(
    answers: int, chunk_s: float, pace: float, *, floor_s: float = 0.0, seed: int = 1
) -> tuple[list[int], list[float]]:
    """Play `answers` 3 s answers, chunks of `chunk_s` arriving `pace` times faster than
    real time (with up to 8 ms of network jitter), rendered in 10 ms blocks; per answer the
    underruns and the ms from its first chunk's arrival to its first sample rendered."""
    rng = random.Random(seed)
    pb = PlaybackBuffer(24000, prebuffer_s=floor_s)
    chunk = tone_pcm16(440, chunk_s)
    per_chunk = chunk_s / pace
    underruns: list[int] = []
    first_sample_ms: list[float] = []
    t = rng.uniform(0, BLOCK_S)  # the device's block phase
    for answer in range(answers):
        start = t + 0.5
        arrivals = [start + k * per_chunk + rng.uniform(0, 0.008) for k in range(30)]
        arrivals.sort()
        before = pb.underruns
        pending = list(arrivals)
        first: float | None = None
        item = f"item{answer}"
        while pending or not pb.idle or first is None:
            while pending and pending[0] <= t:
                pb.play(chunk, item, now=pending.pop(0))
                if not pending:
                    pb.end_item(item)
            out = pb.render(240, 0.0, t)
            if first is None and out.any():
                first = t
            t += BLOCK_S
        assert first is not None
        underruns.append(pb.underruns - before)
        first_sample_ms.append((first - arrivals[0]) * 1000)
    return underruns, first_sample_ms


def test_audio_faster_than_real_time_starts_at_once() -> None:
    underruns, first = _session(5, 0.15, pace=5.0)
    assert underruns == [0] * 5
    # The next 10 ms block after the first chunk: no prebuffer wait.
    assert max(first) <= 10.0 + 1e-6


def test_real_time_pacing_in_100_ms_chunks_drops_out_at_most_once_then_never() -> None:
    for seed in range(20):
        underruns, _ = _session(6, 0.1, pace=1.0, seed=seed)
        assert underruns[0] <= 1, (seed, underruns)
        assert underruns[1:] == [0] * 5, (seed, underruns)


def test_the_user_floor_is_kept() -> None:
    _, first = _session(3, 0.15, pace=5.0, floor_s=0.2)
    # 200 ms queued before starting: the second chunk (30 ms later) completes it.
    assert all(first_ms >= 25 for first_ms in first)


def test_fast_arrival_does_not_start_below_the_user_floor() -> None:
    jt = JitterTarget(floor=12000, ceiling=48000)  # audio.prebuffer_ms = 500
    jt.arrived(2400, 0.0)
    jt.arrived(2400, 0.01)  # 100 ms chunks 10 ms apart: far faster than real time
    assert jt.fast_arrival()
    assert not jt.should_start(4800, 240, complete=False)
    assert jt.should_start(12000, 240, complete=False)


def test_the_target_shrinks_slowly_after_clean_answers_but_not_below_the_floor() -> None:
    jt = JitterTarget(floor=480, ceiling=9600)
    jt.started(2400)
    jt.underrun(240)
    assert jt.target == 2400 + 240 + 720
    raised = jt.target
    jt.ended()  # the answer with the underrun: no shrink
    assert jt.target == raised
    for _ in range(3):
        jt.started(raised)
        jt.ended()
    assert jt.target == raised - 3 * 120
    for _ in range(1000):
        jt.ended()
    assert jt.target == 480


def test_without_arrival_times_it_waits_for_the_target() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.1)
    pb.play(tone_pcm16(440, 0.05), "a")
    pb.play(tone_pcm16(440, 0.02), "a")
    assert not np.any(pb.render(240))


def test_a_paced_answer_raises_the_target_even_without_a_dropout() -> None:
    jt = JitterTarget(floor=0, ceiling=9600)
    for k in range(10):  # 100 ms chunks, 100 ms apart (one 104 ms late)
        jt.arrived(2400, k * 0.1 + (0.004 if k == 5 else 0.0))
    jt.started(2400)
    jt.ended()
    assert jt.target == round(0.104 * 24000) + 720
    for k in range(10):  # fast chunks do not raise it, and shrink it slowly
        jt.arrived(2400, 5 + k * 0.02)
    jt.ended()
    assert jt.target == round(0.104 * 24000) + 720 - 120
