"""The playback core without devices: prebuffer, underruns, played accounting, flush."""

from __future__ import annotations

import numpy as np
import pytest

from realtime_cli.audio.playback_buffer import PlaybackBuffer
from tests.audio.signals import tone_pcm16

BLOCK = 240  # 10 ms at 24 kHz


def as_float(pcm: np.ndarray) -> np.ndarray:
    return pcm.astype(np.float32) / 32768


def render_many(
    pb: PlaybackBuffer, blocks: int, n: int = BLOCK, latency: float = 0.0
) -> np.ndarray:
    return np.concatenate([pb.render(n, latency) for _ in range(blocks)])


def test_waits_for_the_prebuffer_then_plays_from_the_first_sample() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.1)
    audio = tone_pcm16(440, 0.2)
    pb.play(audio[:1200], "a")  # 50 ms: not enough
    assert not render_many(pb, 3).any()
    assert not pb.primed
    pb.play(audio[1200:2400], "a")  # now 100 ms are queued
    out = pb.render(BLOCK)
    assert pb.primed
    np.testing.assert_array_equal(out, as_float(audio[:BLOCK]))


def test_starts_anyway_after_waiting_one_prebuffer_of_time() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.1)
    pb.play(tone_pcm16(440, 0.05), "a")
    blocks = [pb.render(BLOCK) for _ in range(12)]
    first_sound = next(i for i, b in enumerate(blocks) if b.any())
    assert first_sound == 9  # the 10th block: 100 ms of waiting


def test_a_finished_short_item_plays_without_waiting() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.1)
    audio = tone_pcm16(440, 0.03)
    pb.play(audio, "a")
    pb.end_item("a")
    np.testing.assert_array_equal(pb.render(720), as_float(audio))


def test_an_underrun_resumes_after_a_short_cushion_and_raises_the_start_target() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.1)
    audio = tone_pcm16(440, 0.5)
    pb.play(audio[:4800], "a")
    render_many(pb, 30)  # 300 ms: the queue ran dry after 200 ms
    assert pb.primed
    assert pb.underruns == 0  # a gap is only an underrun if the item goes on
    pb.play(audio[4800:6000], "a")  # 50 ms, far below the start target
    out = render_many(pb, 3)
    # 30 ms of silence, then the audio goes on where it stopped (no re-priming wait).
    assert not out[:720].any()
    np.testing.assert_array_equal(out[720:], as_float(audio[4800 : 4800 + 3 * BLOCK - 720]))
    assert pb.underruns == 1
    # The next utterance starts with what would have covered the gap: the 200 ms it started
    # with + the 100 ms gap + the 30 ms cushion.
    assert pb.prebuffer_samples == 4800 + 2400 + 720


def test_a_new_item_after_the_end_of_one_primes_again_without_underrun() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.1)
    pb.play(tone_pcm16(440, 0.2), "a")
    pb.end_item("a")
    render_many(pb, 25)
    assert not pb.primed
    pb.play(tone_pcm16(440, 0.02), "b")
    assert not pb.render(BLOCK).any()  # waits for the prebuffer again
    assert pb.underruns == 0


def test_a_different_item_after_a_gap_is_a_new_utterance() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.1)
    pb.play(tone_pcm16(440, 0.2), "a")
    render_many(pb, 25)
    pb.play(tone_pcm16(440, 0.02), "b")
    assert not pb.render(BLOCK).any()
    assert pb.underruns == 0


def test_played_accounting_subtracts_output_latency() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.0)
    pb.play(tone_pcm16(440, 1.0), "a")
    latency = 0.03
    for j in range(1, 40):
        pb.render(BLOCK, latency)
        # Before block j, (j-1) blocks were handed over; 30 ms of them are still queued
        # in the device.
        assert pb.played_samples("a") == max(0, (j - 1) * BLOCK - 720)
    assert pb.played_ms("a") == (38 * BLOCK - 720) * 1000 // 24000


def test_played_accounting_with_resampling_includes_the_filter_delay() -> None:
    pb = PlaybackBuffer(48000, prebuffer_s=0.0)
    pb.play(tone_pcm16(440, 1.0), "a")
    delay = pb.resampler_delay_s * 24000
    for j in range(1, 30):
        pb.render(2 * BLOCK, 0.02)
        expected = max(0.0, (j - 1) * BLOCK - delay - 480)
        assert abs(pb.played_samples("a") - expected) <= 1


def test_accounting_splits_items_exactly() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.0)
    pb.play(tone_pcm16(440, 0.1), "a")
    pb.play(tone_pcm16(880, 0.1), "b", content_index=0)
    render_many(pb, 12)
    assert pb.played_samples("a") == 2400
    assert pb.played_samples("b") == 11 * BLOCK - 2400
    render_many(pb, 20)
    assert pb.played_ms("a") == 100
    assert pb.played_ms("b") == 100
    assert pb.played_ms("unknown") == 0


def test_flush_fades_out_within_one_block_and_reports_exactly() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.0, fade_s=0.004)
    audio = tone_pcm16(440, 1.0)
    pb.play(audio, "a")
    pb.play(tone_pcm16(880, 0.5), "b")
    before = render_many(pb, 5, latency=0.02)
    report = pb.flush()
    # 1200 samples handed over + the 96-sample fade that the next block plays.
    assert report == {"a": (1200 + 96) * 1000 // 24000, "b": 0}
    out = pb.render(BLOCK, 0.02)
    fade = out[:96]
    assert not out[96:].any()
    expected = as_float(audio[1200:1296])
    gain = fade / np.where(expected == 0, 1, expected)
    nonzero = np.abs(expected) > 0.01
    assert np.all(np.diff(gain[nonzero]) <= 1e-6)  # a monotonic fade, 1 -> 0
    assert gain[nonzero][0] > 0.95
    # No click: the steepest step at the cut is about that of the tone itself; a hard
    # stop would jump by up to the full amplitude (0.5).
    joined = np.concatenate([before, out])
    tone_step = 2 * np.pi * 440 / 24000 * 0.5
    assert np.abs(np.diff(joined)).max() < 1.25 * tone_step
    assert not render_many(pb, 5, latency=0.02).any()
    # The device buffer drains: the listener ends up having heard exactly the report.
    assert pb.played_ms("a") == report["a"]
    assert pb.item("a") is not None and pb.item("a").dropped == 24000 - 1296  # type: ignore[union-attr]


def test_flush_at_48k_is_silent_within_one_block() -> None:
    pb = PlaybackBuffer(48000, prebuffer_s=0.0)
    pb.play(tone_pcm16(1000, 1.0, amplitude=0.9), "a")
    render_many(pb, 10, n=480)
    report = pb.flush()
    out = pb.render(480)
    settle = 2 * 96 + round(pb.resampler_delay_s * 48000) + 10
    assert np.abs(out[:50]).max() > 0.1
    assert np.abs(out[settle:]).max() < 1e-4
    assert np.abs(pb.render(480)).max() < 1e-4
    assert report == {"a": (10 * 240 + 96) * 1000 // 24000}


def test_flush_before_playback_started_drops_everything() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.1)
    pb.play(tone_pcm16(440, 0.05), "a")
    pb.render(BLOCK)
    assert pb.flush() == {"a": 0}
    assert not render_many(pb, 20).any()


def test_audio_for_a_flushed_item_is_ignored_and_reports_are_per_epoch() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.0)
    pb.play(tone_pcm16(440, 0.5), "a")
    render_many(pb, 3)
    pb.flush()
    pb.play(tone_pcm16(440, 0.5), "a")  # a late delta of the cancelled response
    assert pb.queued_samples == 0
    pb.play(tone_pcm16(440, 0.1), "c")
    assert pb.flush() == {"c": 0}


def test_flush_during_an_underrun_gap_needs_no_fade() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.0)
    pb.play(tone_pcm16(440, 0.1), "a")
    render_many(pb, 15)
    assert pb.flush() == {"a": 100}


def test_render_returns_exact_sizes_and_is_block_size_independent() -> None:
    audio = tone_pcm16(440, 0.5)
    reference = PlaybackBuffer(44100, prebuffer_s=0.0)
    reference.play(audio, "a")
    whole = reference.render(22050)
    pb = PlaybackBuffer(44100, prebuffer_s=0.0)
    pb.play(audio, "a")
    rng = np.random.default_rng(5)
    parts, total = [], 0
    while total < 22050:
        n = min(int(rng.integers(1, 1200)), 22050 - total)
        block = pb.render(n)
        assert block.shape == (n,)
        parts.append(block)
        total += n
    np.testing.assert_allclose(np.concatenate(parts), whole, atol=1e-6)


def test_idle_once_everything_was_heard() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.0)
    assert pb.idle
    pb.play(tone_pcm16(440, 0.05), "a")
    assert not pb.idle
    render_many(pb, 5, latency=0.02)
    assert not pb.idle  # handed over, but 20 ms still in the device
    render_many(pb, 3, latency=0.02)
    assert pb.idle


def test_accepts_bytes_and_rejects_wrong_dtypes() -> None:
    pb = PlaybackBuffer(24000, prebuffer_s=0.0)
    pb.play(tone_pcm16(440, 0.01).tobytes(), "a")
    assert pb.queued_samples == 240
    with pytest.raises(TypeError):
        pb.play(np.zeros(10, dtype=np.float32), "a")
    with pytest.raises(ValueError, match="even"):
        pb.play(b"\x00\x01\x02", "a")
