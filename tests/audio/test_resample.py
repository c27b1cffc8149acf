"""The resampler: added latency, alias and image rejection, passband, block independence."""

from __future__ import annotations

import numpy as np
import pytest

from realtime_cli.audio.resample import (
    PassthroughResampler,
    PolyphaseResampler,
    SoxrResampler,
    make_resampler,
)
from tests.audio.signals import level_db, tone

COMMON_DEVICE_RATES = [8000, 16000, 22050, 32000, 44100, 48000, 96000]
PAIRS = [(r, 24000) for r in COMMON_DEVICE_RATES] + [(24000, r) for r in COMMON_DEVICE_RATES]


def _streamed(resampler: object, x: np.ndarray, block: int) -> tuple[np.ndarray, list[float]]:
    """Output of block-wise processing and, after each block, input time minus output time."""
    assert isinstance(resampler, PolyphaseResampler | SoxrResampler | PassthroughResampler)
    parts, holdback = [], []
    fed = emitted = 0
    for i in range(0, x.size, block):
        y = resampler.process(x[i : i + block])
        parts.append(y)
        fed += x[i : i + block].size
        emitted += y.size
        holdback.append(fed / resampler.in_rate - emitted / resampler.out_rate)
    return np.concatenate(parts), holdback


@pytest.mark.parametrize(("in_rate", "out_rate"), PAIRS)
def test_added_latency_is_at_most_5_ms(in_rate: int, out_rate: int) -> None:
    r = make_resampler(in_rate, out_rate)
    assert isinstance(r, PolyphaseResampler)
    x = np.zeros(in_rate // 2, dtype=np.float32)
    at = in_rate // 4
    x[at] = 1.0
    block = in_rate // 100  # 10 ms device blocks
    y, holdback = _streamed(r, x, block)
    # Group delay measured where the impulse response peaks (sub-sample by parabola).
    p = int(np.argmax(y))
    a, b, c = y[p - 1], y[p], y[p + 1]
    peak = p + 0.5 * (a - c) / (a - 2 * b + c)
    group_delay = peak / out_rate - at / in_rate
    assert group_delay == pytest.approx(r.group_delay_s, abs=0.5 / out_rate)
    # The FIR releases every output sample as soon as its input is there: < 1 sample held.
    assert max(holdback) < 1.0 / out_rate
    assert (group_delay + max(holdback)) * 1000 <= 5.0
    if 44100 in (in_rate, out_rate) or 48000 in (in_rate, out_rate):
        assert group_delay * 1000 < 2.0


@pytest.mark.parametrize("in_rate", [32000, 44100, 48000, 96000])
def test_downsampling_rejects_aliases_by_80_db(in_rate: int) -> None:
    freqs = [12100.0, 12500.0, 14000.0, 17000.0, in_rate / 2 - 300]
    for f in freqs:
        y = make_resampler(in_rate, 24000).process(tone(f, in_rate, 0.5, amplitude=1.0))
        steady = y[2000:]
        assert level_db(steady, 24000, 0, 12000) < -80.0, f"alias of {f} Hz"


@pytest.mark.parametrize("out_rate", [32000, 44100, 48000, 96000])
def test_upsampling_rejects_images_by_80_db(out_rate: int) -> None:
    for f in [1000.0, 6000.0, 10000.0, 11500.0, 11900.0]:
        y = make_resampler(24000, out_rate).process(tone(f, 24000, 0.5, amplitude=1.0))
        steady = y[4000:]
        assert level_db(steady, out_rate, 12100, out_rate / 2) < -80.0, f"image of {f} Hz"


@pytest.mark.parametrize(("in_rate", "out_rate"), [(48000, 24000), (44100, 24000), (24000, 48000)])
def test_passband_is_flat(in_rate: int, out_rate: int) -> None:
    for f in [200.0, 1000.0, 4000.0, 8000.0, 10000.0]:
        y = make_resampler(in_rate, out_rate).process(tone(f, in_rate, 0.5, amplitude=0.5))
        steady = y[2000:-100]
        gain_db = 20 * np.log10(np.sqrt(2) * np.sqrt(np.mean(steady.astype(np.float64) ** 2)) / 0.5)
        assert abs(gain_db) < 0.05, f"{f} Hz"


@pytest.mark.parametrize(
    ("in_rate", "out_rate"),
    [(48000, 24000), (24000, 48000), (44100, 24000), (24000, 44100), (16000, 24000)],
)
def test_blockwise_output_equals_one_shot(in_rate: int, out_rate: int) -> None:
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(in_rate) * 0.3).astype(np.float32)
    whole = make_resampler(in_rate, out_rate).process(x)
    r = make_resampler(in_rate, out_rate)
    parts, i = [], 0
    while i < x.size:
        n = int(rng.choice([1, 2, 3, 7, 441, 479, 480, 481, 1023]))
        parts.append(r.process(x[i : i + n]))
        i += n
    blockwise = np.concatenate(parts)
    assert blockwise.size == whole.size == -(-x.size * out_rate // in_rate)
    # The same windows meet the same taps; only float32 summation order may differ (BLAS),
    # far below anything audible (an edge click would be of the order of the signal).
    np.testing.assert_allclose(blockwise, whole, rtol=0, atol=1e-6)


def test_no_click_at_block_edges_on_a_tone() -> None:
    r = make_resampler(48000, 24000)
    x = tone(1000.0, 48000, 0.5)
    y = np.concatenate([r.process(x[i : i + 960]) for i in range(0, x.size, 960)])[200:]
    # The largest step between samples of a 1 kHz sine at 0.5 is 2*pi*f/rate*0.5.
    assert np.abs(np.diff(y)).max() <= 2 * np.pi * 1000 / 24000 * 0.5 * 1.01


def test_input_needed_releases_exactly_that_many_outputs() -> None:
    r = PolyphaseResampler(24000, 44100)
    for n in [1, 441, 480, 999, 2]:
        need = r.input_needed(n)
        assert r.output_available(need) >= n
        assert r.output_available(need - 1) < n
        out = r.process(np.zeros(need, dtype=np.float32))
        assert out.size == r.output_available(0) + out.size >= n


def test_make_resampler_choices() -> None:
    assert isinstance(make_resampler(24000, 24000), PassthroughResampler)
    assert isinstance(make_resampler(48000, 24000), PolyphaseResampler)
    # 44.1 kHz <-> 24 kHz is 80/147: still a small polyphase table.
    assert isinstance(make_resampler(44100, 24000), PolyphaseResampler)
    # A prime-ish rate needs a huge interpolation factor: soxr's job.
    assert isinstance(make_resampler(44101, 24000), SoxrResampler)
    with pytest.raises(ValueError, match="positive"):
        make_resampler(0, 24000)


def test_soxr_hq_streaming_holds_back_far_more_than_the_fir() -> None:
    """Why soxr is not the default: its HQ stream withholds ~21 ms (bursts to ~38 ms)."""
    x = (np.random.default_rng(0).standard_normal(48000 * 2) * 0.1).astype(np.float32)
    _, soxr_hb = _streamed(SoxrResampler(48000, 24000), x, 480)
    _, fir_hb = _streamed(PolyphaseResampler(48000, 24000), x, 480)
    steady = soxr_hb[50:]
    assert float(np.mean(steady)) * 1000 > 15.0
    assert max(fir_hb) * 1000 < 0.05
