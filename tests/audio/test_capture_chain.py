"""Capture without devices: ring buffer, frame assembly, the full conversion chain."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from realtime_cli.audio.capture_chain import CaptureChain
from realtime_cli.audio.frame_assembler import FrameAssembler
from realtime_cli.audio.ring_buffer import SampleRing
from realtime_cli.audio.sample_format import downmix, float_to_pcm16
from tests.audio.signals import level_db, tone


def test_frame_assembler_with_odd_block_sizes() -> None:
    fa = FrameAssembler(480)
    data = np.arange(10_000, dtype=np.int64).astype(np.int16)
    frames = []
    i = 0
    for n in [1, 479, 2, 961, 0, 7, 1440, 333, 3000]:
        frames += fa.push(data[i : i + n])
        i += n
    assert all(f.shape == (480,) and f.dtype == np.int16 for f in frames)
    assert len(frames) == i // 480
    assert fa.pending == i % 480
    np.testing.assert_array_equal(np.concatenate(frames), data[: len(frames) * 480])
    last = fa.flush()
    assert last is not None
    np.testing.assert_array_equal(last[: i % 480], data[len(frames) * 480 : i])
    assert not last[i % 480 :].any()
    assert fa.flush() is None


def test_frames_do_not_alias_internal_buffers() -> None:
    fa = FrameAssembler(4)
    first = fa.push(np.array([1, 2, 3], dtype=np.int16)) + fa.push(np.array([4, 5], dtype=np.int16))
    fa.push(np.array([9, 9, 9, 9, 9], dtype=np.int16))
    np.testing.assert_array_equal(first[0], [1, 2, 3, 4])


def test_ring_is_bounded_and_counts_overflows() -> None:
    ring = SampleRing(1000)
    ring.write(np.arange(600, dtype=np.float32))
    assert ring.overflows == 0
    ring.write(np.arange(600, 1200, dtype=np.float32))  # 200 too many: the oldest go
    assert len(ring) == 1000
    assert ring.overflows == 1
    assert ring.dropped_samples == 200
    out = ring.read()
    np.testing.assert_array_equal(out, np.arange(200, 1200, dtype=np.float32))
    ring.write(np.arange(5000, dtype=np.float32))  # bigger than the ring
    assert len(ring) == 1000
    assert ring.overflows == 2
    assert ring.dropped_samples == 200 + 4000
    np.testing.assert_array_equal(ring.read(), np.arange(4000, 5000, dtype=np.float32))
    assert ring.total_written == 6200


def test_ring_wraps_around_and_reads_partially() -> None:
    ring = SampleRing(7)
    produced = consumed = 0
    collected = []
    rng = np.random.default_rng(3)
    for _ in range(200):
        n = int(rng.integers(0, 5))
        ring.write(np.arange(produced, produced + n, dtype=np.float32))
        produced += n
        got = ring.read(int(rng.integers(0, 6)))
        consumed += got.size
        collected.append(got)
    assert ring.overflows == 0 or ring.dropped_samples > 0
    values = np.concatenate([*collected, ring.read()])
    # Whatever was dropped, what comes out is in order and nothing is duplicated.
    assert np.all(np.diff(values) > 0)
    assert values.size + ring.dropped_samples == produced


def test_ring_with_a_concurrent_writer_thread() -> None:
    ring = SampleRing(4096)
    total = 200_000
    done = threading.Event()

    def writer() -> None:
        for start in range(0, total, 256):
            ring.write(np.arange(start, min(start + 256, total), dtype=np.float32))
        done.set()

    t = threading.Thread(target=writer)
    t.start()
    got = []
    while not done.is_set() or len(ring):
        got.append(ring.read(1000))
    t.join()
    values = np.concatenate(got)
    assert np.all(np.diff(values) > 0)
    assert values.size + ring.dropped_samples == total
    assert len(ring) == 0


def test_downmix_averages_channels_without_allocating() -> None:
    block = np.stack([np.full(5, 0.5, np.float32), np.full(5, -0.25, np.float32)], axis=1)
    scratch = np.zeros(16, dtype=np.float32)
    out = downmix(block, scratch)
    assert np.shares_memory(out, scratch)
    np.testing.assert_allclose(out, 0.125)
    np.testing.assert_array_equal(downmix(block[:, :1]), 0.5)


def test_downmix_matches_the_channel_mean_for_any_layout() -> None:
    rng = np.random.default_rng(4)
    stereo = rng.standard_normal((960, 2)).astype(np.float32)
    # Stereo goes through one BLAS product with weights 0.5: bit-identical to sum then halve.
    expected = (stereo[:, 0] + stereo[:, 1]) * np.float32(0.5)
    np.testing.assert_array_equal(downmix(stereo), expected)
    np.testing.assert_array_equal(downmix(stereo, np.empty(2000, np.float32)), expected)
    for block in (
        rng.standard_normal((441, 3)).astype(np.float32),  # weights 1/3: rounding only
        rng.standard_normal((441, 6)),  # float64 device data
        rng.standard_normal((882, 4)).astype(np.float32)[::2],  # strided rows
        np.asfortranarray(rng.standard_normal((300, 2)).astype(np.float32)),
    ):
        out = downmix(block)
        assert out.dtype == np.float32 and out.shape == (block.shape[0],)
        np.testing.assert_allclose(out, block.mean(axis=1), rtol=0, atol=1e-6)


def test_int16_conversion_clips_instead_of_wrapping() -> None:
    x = np.array([0.0, 0.5, -0.5, 1.0, 1.5, -1.0, -3.0, 0.99999], dtype=np.float32)
    np.testing.assert_array_equal(
        float_to_pcm16(x), [0, 16384, -16384, 32767, 32767, -32768, -32768, 32767]
    )


def test_chain_turns_48k_stereo_blocks_into_24k_frames() -> None:
    rate = 48000
    left = tone(1000.0, rate, 1.0, amplitude=0.5)
    stereo = np.stack([left, left], axis=1)
    chain = CaptureChain(rate)
    frames = []
    i = 0
    rng = np.random.default_rng(1)
    while i < stereo.shape[0]:
        n = int(rng.integers(1, 1500))  # PortAudio block sizes vary
        frames += chain.push(stereo[i : i + n])
        i += n
    frames += chain.finish()
    assert all(f.shape == (480,) and f.dtype == np.int16 for f in frames)
    # 1 s is 50 frames of 20 ms; finish() also pushes out the ~1.9 ms the filter delays.
    delay = round(chain.latency_s * 24000)
    assert len(frames) == -(-(24000 + delay) // 480) == 51
    pcm = np.concatenate(frames).astype(np.float32) / 32768
    steady = pcm[1000:-1000]
    assert np.sqrt(2 * np.mean(steady.astype(np.float64) ** 2)) == pytest.approx(0.5, rel=0.002)
    assert level_db(steady, 24000, 1100, 12000) < -80.0


def test_chain_downmix_cancels_opposite_channels() -> None:
    x = tone(440.0, 48000, 0.2)
    chain = CaptureChain(48000)
    frames = chain.push(np.stack([x, -x], axis=1)) + chain.finish()
    assert not np.concatenate(frames).any()


def test_chain_at_24k_is_bit_exact_and_clips() -> None:
    chain = CaptureChain(24000)
    x = np.linspace(-2, 2, 960, dtype=np.float32)
    frames = chain.push(x)
    np.testing.assert_array_equal(np.concatenate(frames), float_to_pcm16(x))
    assert np.concatenate(frames).max() == 32767
    assert np.concatenate(frames).min() == -32768


def test_leading_silence_is_counted_until_the_first_sample() -> None:
    chain = CaptureChain(48000)
    chain.push(np.zeros((48000, 2), dtype=np.float32))
    assert chain.leading_silence_s == pytest.approx(1.0)
    block = np.zeros((4800, 2), dtype=np.float32)
    block[100, 1] = 1e-6
    chain.push(block)
    chain.push(np.zeros((96000, 2), dtype=np.float32))
    assert chain.leading_zero_samples == 48100


def test_custom_frame_size() -> None:
    chain = CaptureChain(24000, frame_samples=240)
    frames = chain.push(np.zeros(1000, dtype=np.float32) + 0.1)
    assert [f.size for f in frames] == [240] * 4
