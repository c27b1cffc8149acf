"""`PlaybackBuffer.cut`: the device dropped what it held; the accounting follows the DAC
time of the last block, on a fake clock."""

from __future__ import annotations

import numpy as np

from realtime_cli.audio.playback_buffer import PlaybackBuffer
from tests.audio.signals import tone_pcm16

BLOCK = 240  # 10 ms at 24 kHz
LATENCY = 0.05


def _play_blocks(pb: PlaybackBuffer, blocks: int, start: float = 0.0) -> float:
    """Render `blocks` 10 ms blocks, block j at time start + j * 10 ms; the next time."""
    t = start
    for _ in range(blocks):
        pb.render(BLOCK, LATENCY, t)
        t += 0.01
    return t


def test_cut_reports_what_reached_the_dac_by_then() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.0)
    pb.play(tone_pcm16(440, 2.0), "a")
    _play_blocks(pb, 30)  # blocks at 0..0.29 s; 300 ms handed to the device
    # At 0.295 s the DAC has played what was handed over up to 0.295 - 0.05 = 245 ms.
    report = pb.cut(0.295)
    assert report == {"a": 245}
    assert pb.played_ms("a") == 245
    item = pb.item("a")
    assert item is not None and item.consumed == 245 * 24 and item.dropped == 48000 - 245 * 24


def test_after_a_cut_the_output_is_silent_and_the_next_item_starts_clean() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.0)
    pb.play(tone_pcm16(440, 2.0), "a")
    t = _play_blocks(pb, 20)
    pb.cut(t)
    silent = np.concatenate([pb.render(BLOCK, LATENCY, t + 0.01 * j) for j in range(10)])
    assert not silent.any()
    assert pb.played_ms("a") == 150  # nothing more is credited to the cut item
    answer = tone_pcm16(880, 0.1)
    pb.play(answer, "b")
    pb.end_item("b")
    out = pb.render(BLOCK, LATENCY, t + 0.2)
    np.testing.assert_array_equal(out, answer[:BLOCK].astype(np.float32) / 32768)
    _play_blocks(pb, 20, t + 0.21)
    assert pb.played_ms("b") == 100 and pb.idle


def test_a_cut_at_48k_drops_the_resampler_tail_too() -> None:
    pb = PlaybackBuffer(48000, prebuffer_s=0.0)
    pb.play(tone_pcm16(1000, 1.0, amplitude=0.9), "a")
    for j in range(20):
        pb.render(480, LATENCY, j * 0.01)
    report = pb.cut(0.2)
    # 200 ms handed over, 50 ms of it still in the device, minus the filter's delay.
    expected = (0.15 - pb.resampler_delay_s) * 1000
    assert abs(report["a"] - expected) <= 1
    assert np.abs(pb.render(480, LATENCY, 0.2)).max() < 1e-4


def test_a_cut_without_timing_credits_only_what_is_known_heard() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.0)
    pb.play(tone_pcm16(440, 1.0), "a")
    for _ in range(30):
        pb.render(BLOCK, LATENCY)  # no `now`: a device without timing
    # Before the last block 290 ms were handed over, 50 ms of them still in the device.
    assert pb.cut(123.0) == {"a": 240}


def test_a_cut_never_credits_more_than_was_handed_over_or_less_than_heard() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.0)
    pb.play(tone_pcm16(440, 1.0), "a")
    _play_blocks(pb, 10)
    assert pb.cut(50.0) == {"a": 100}  # a clock far ahead: at most what was handed over
    pb2 = PlaybackBuffer(24000, prebuffer_s=0.0)
    pb2.play(tone_pcm16(440, 1.0), "a")
    _play_blocks(pb2, 10)
    assert pb2.cut(-5.0) == {"a": 40}  # a clock behind: at least what is known heard
