"""The resampler: added latency, alias and image rejection, passband, block independence."""

from __future__ import annotations

import numpy as np
import pytest

from realtime_cli.audio.resample import (
    PassthroughResampler,
    PolyphaseResampler,
    SoxrResampler,
    design_filter,
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


# ------------------------------------------------------------ the block (matrix) FIR engine

BLOCK_PAIRS = [
    (48000, 24000),
    (24000, 48000),
    (44100, 24000),
    (24000, 44100),
    (16000, 24000),
    (96000, 24000),
]


def _direct_fir(in_rate: int, out_rate: int, x: np.ndarray) -> np.ndarray:
    """The textbook polyphase FIR in float64: output n dots the k inputs ending at
    floor(n * down / up) with phase (n * down) % up of the same tap table."""
    design, table = design_filter(in_rate, out_rate)
    up, down, k = design.up, design.down, design.taps_per_phase
    padded = np.concatenate((np.zeros(k - 1), x.astype(np.float64)))
    n = np.arange(-(-x.size * up // down))
    ends = n * down // up + (k - 1)  # index in `padded` of each output's newest input
    windows = padded[ends[:, None] - (k - 1) + np.arange(k)[None, :]]
    return np.einsum("ij,ij->i", windows, table[(n * down) % up].astype(np.float64))


@pytest.mark.parametrize(("in_rate", "out_rate"), BLOCK_PAIRS)
def test_block_engine_equals_the_direct_polyphase_fir(in_rate: int, out_rate: int) -> None:
    x = (np.random.default_rng(3).standard_normal(in_rate // 4) * 0.3).astype(np.float32)
    expected = _direct_fir(in_rate, out_rate, x)
    got = PolyphaseResampler(in_rate, out_rate).process(x)
    assert got.size == expected.size
    # float32 accumulation of a few hundred products of |x| < ~1.5: ~1e-7 per output.
    np.testing.assert_allclose(got, expected, rtol=0, atol=2e-6)


@pytest.mark.parametrize(("in_rate", "out_rate"), BLOCK_PAIRS)
def test_blockwise_equals_one_shot_across_row_edges_and_buffer_growth(
    in_rate: int, out_rate: int
) -> None:
    rng = np.random.default_rng(11)
    x = (rng.standard_normal(in_rate * 2) * 0.3).astype(np.float32)
    whole = PolyphaseResampler(in_rate, out_rate).process(x)
    r = PolyphaseResampler(in_rate, out_rate)
    row_in = r.layout.row_in
    # Sizes around a matrix row's input span, odd sizes, empty blocks, and one block far
    # larger than the preallocated buffer (which then grows mid-stream).
    sizes = [1, row_in - 1, row_in + 1, 0, 3, 2 * row_in + 1, 20_001, 5, 479, 0, 961, 7]
    parts, i, j = [], 0, 0
    while i < x.size:
        n = sizes[j % len(sizes)]
        parts.append(r.process(x[i : i + n]))
        i += n
        j += 1
    blockwise = np.concatenate(parts)
    assert blockwise.size == whole.size
    np.testing.assert_allclose(blockwise, whole, rtol=0, atol=1e-6)


def test_non_finite_input_does_not_outlive_its_window() -> None:
    """A NaN spoils the outputs whose matrix row reads it, never later ones: the buffer
    space past the received input is zeroed, not left with stale samples (a stale NaN
    times a zero tap would still be NaN)."""
    r = PolyphaseResampler(48000, 24000)
    lay = r.layout
    x = np.zeros(1000, dtype=np.float32)
    at = 60  # early, so a stale copy stays in the buffer past the kept history
    x[at] = np.nan
    parts = [r.process(x)]
    parts += [r.process(np.zeros(7, dtype=np.float32)) for _ in range(300)]
    y = np.concatenate(parts)
    # Row q reads inputs from q * row_in - (k - 1) on: rows starting after `at` are clean.
    first_clean_row = (at + r.design.taps_per_phase - 1) // lay.row_in + 1
    clean_from = first_clean_row * lay.row_out
    assert np.isnan(y[:clean_from]).any()
    assert np.all(y[clean_from:] == 0.0)


@pytest.mark.parametrize(("in_rate", "out_rate"), [(48000, 24000), (44100, 24000)])
def test_alias_rejection_sweep_by_fft(in_rate: int, out_rate: int) -> None:
    """40 full-scale tones from just above the output Nyquist frequency to the input's."""
    worst = max(
        level_db(
            make_resampler(in_rate, out_rate).process(tone(f, in_rate, 0.5, 1.0))[2000:],
            out_rate,
            0,
            out_rate / 2,
        )
        for f in np.linspace(out_rate / 2 + 100, in_rate / 2 - 100, 40)
    )
    assert worst < -90.0  # measured: -97.0 dB (48 kHz), -92.7 dB (44.1 kHz)


@pytest.mark.parametrize(("in_rate", "out_rate"), [(24000, 48000), (24000, 44100)])
def test_image_rejection_sweep_by_fft(in_rate: int, out_rate: int) -> None:
    worst = max(
        level_db(
            make_resampler(in_rate, out_rate).process(tone(f, in_rate, 0.5, 1.0))[4000:],
            out_rate,
            in_rate / 2 + 100,
            out_rate / 2,
        )
        for f in np.linspace(100, in_rate / 2 - 100, 40)
    )
    assert worst < -90.0  # measured: -97.0 dB for both


@pytest.mark.parametrize(("in_rate", "out_rate"), [(48000, 24000), (24000, 48000)])
@pytest.mark.parametrize("block", [1, 7, 33, 481])
def test_2_to_1_impulse_latency_with_odd_blocks(in_rate: int, out_rate: int, block: int) -> None:
    r = make_resampler(in_rate, out_rate)
    x = np.zeros(in_rate // 10, dtype=np.float32)
    at = in_rate // 20
    x[at] = 1.0
    y, holdback = _streamed(r, x, block)
    delay = int(np.argmax(y)) / out_rate - at / in_rate
    assert delay == pytest.approx(r.group_delay_s, abs=1.0 / out_rate)
    assert max(holdback) < 1.0 / out_rate
    assert (delay + max(holdback)) * 1000 < 2.0
