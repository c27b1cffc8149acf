"""`rt doctor`'s measurements on synthetic signals: chirp, levels, echo, advice."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from realtime_cli.audio.doctor import (
    ASSISTANT_SPEECH_DBFS,
    BARGE_IN_DBFS,
    HEADPHONES_DBFS,
    SILENCE_DBFS,
    Echo,
    Level,
    chirp,
    dbfs,
    find_echo,
    measure_level,
    microphone_warnings,
    recommend,
)
from tests.audio.signals import level_db, tone


def _delayed(signal: NDArray[np.float32], delay: float, size: int) -> NDArray[np.float64]:
    """`signal` starting `delay` samples (fractional) into `size` samples of silence."""
    n = 1 << (size + signal.size).bit_length()
    spectrum = np.fft.rfft(signal.astype(np.float64), n)
    spectrum *= np.exp(-2j * np.pi * np.fft.rfftfreq(n) * delay)
    return np.fft.irfft(spectrum, n)[:size]


def _noise(size: int, rms_dbfs: float, seed: int = 7) -> NDArray[np.float64]:
    return np.random.default_rng(seed).normal(0.0, 10 ** (rms_dbfs / 20), size)


def test_chirp_sweeps_the_band_without_clicks() -> None:
    sweep = chirp(48000)
    assert sweep.dtype == np.float32
    assert sweep.size == 12000
    assert np.abs(sweep).max() <= 0.5 + 1e-6
    # Faded edges: the first and last samples are (near) silent, so no click.
    assert abs(sweep[0]) < 1e-3
    assert abs(sweep[-1]) < 1e-3
    assert level_db(sweep, 48000, 800, 3700) > level_db(sweep, 48000, 6000, 20000) + 40
    assert level_db(sweep, 48000, 800, 3700) > level_db(sweep, 48000, 20, 200) + 40


def test_levels_in_dbfs() -> None:
    full_sine = measure_level(tone(1000, 48000, 1.0, amplitude=1.0), 48000)
    assert full_sine.rms_dbfs == pytest.approx(-3.01, abs=0.02)
    assert full_sine.peak_dbfs == pytest.approx(0.0, abs=0.01)
    assert full_sine.seconds == pytest.approx(1.0)
    quiet = measure_level(tone(1000, 48000, 1.0, amplitude=0.01), 48000)
    assert quiet.rms_dbfs == pytest.approx(-43.01, abs=0.02)
    assert not quiet.all_zeros
    assert not quiet.clipped
    assert dbfs(0.0) == SILENCE_DBFS
    assert dbfs(1e-9) == SILENCE_DBFS


def test_a_square_wave_at_full_scale_clips_and_a_sine_peak_does_not() -> None:
    square = np.sign(tone(100, 48000, 0.5, amplitude=1.0))
    assert measure_level(square, 48000).clipped
    assert not measure_level(tone(1000, 48000, 0.5, amplitude=0.98), 48000).clipped


@pytest.mark.parametrize(
    ("rate", "delay_ms", "attenuation_db", "polarity"),
    [
        (48000, 123.4, 30.0, 1.0),
        (44100, 7.77, 10.0, -1.0),  # a speaker wired the other way round
        (16000, 420.05, 45.0, 1.0),
        (24000, 0.0, 0.0, 1.0),
    ],
)
def test_a_delayed_attenuated_chirp_in_noise_is_found(
    rate: int, delay_ms: float, attenuation_db: float, polarity: float
) -> None:
    reference = chirp(rate)
    start = 0.4 * rate + 0.37  # the clocks put the chirp between two samples
    size = round(1.8 * rate)
    gain = polarity * 10 ** (-attenuation_db / 20)
    recording = gain * _delayed(reference, start + delay_ms * rate / 1000, size)
    recording += _noise(size, -60.0)

    echo = find_echo(recording, reference, rate, start=start)

    assert echo.heard
    assert echo.latency_s is not None
    assert echo.level_dbfs is not None
    assert echo.latency_s * 1000 == pytest.approx(delay_ms, abs=1.0)
    expected_level = measure_level(reference, rate).rms_dbfs - attenuation_db
    assert echo.level_dbfs == pytest.approx(expected_level, abs=1.0)
    assert echo.snr_db > 20


def test_the_direct_echo_wins_over_a_weaker_reflection() -> None:
    rate = 48000
    reference = chirp(rate)
    size = rate
    recording = 0.1 * _delayed(reference, 4800, size) + 0.03 * _delayed(reference, 9600, size)
    echo = find_echo(recording + _noise(size, -70.0), reference, rate)
    assert echo.latency_s == pytest.approx(0.1, abs=0.001)


def test_an_echo_buried_in_loud_noise_is_not_heard() -> None:
    rate = 24000
    reference = chirp(rate)
    size = rate
    recording = 0.001 * _delayed(reference, 2400, size) + _noise(size, -10.0)
    echo = find_echo(recording, reference, rate)
    assert not echo.heard
    assert echo.latency_s is None
    assert echo.level_dbfs is None
    assert echo.snr_db < 20


def test_an_echo_later_than_the_window_is_not_looked_for() -> None:
    rate = 24000
    reference = chirp(rate)
    size = 2 * rate
    recording = 0.5 * _delayed(reference, 0.8 * rate, size) + _noise(size, -60.0)
    assert not find_echo(recording, reference, rate, max_latency_s=0.5).heard
    assert find_echo(recording, reference, rate, max_latency_s=1.0).heard


def test_silence_gives_the_all_zeros_warning_and_no_echo() -> None:
    zeros = np.zeros(48000, dtype=np.float32)
    level = measure_level(zeros, 48000)
    assert level.all_zeros
    assert level.rms_dbfs == SILENCE_DBFS
    assert level.peak_dbfs == SILENCE_DBFS
    echo = find_echo(zeros, chirp(48000), 48000)
    assert not echo.heard
    warnings = microphone_warnings(level, level, echo)
    assert len(warnings) == 1
    assert "only zeros" in warnings[0]
    assert "muted" in warnings[0]
    assert "permission" in warnings[0]
    advice = recommend(echo, -9.0, level)
    assert advice.action == "check-microphone"


def test_microphone_warnings_for_low_level_clipping_and_a_silent_lead() -> None:
    heard = Echo(True, 0.03, 1.0, -9.0, 90.0)
    unheard = Echo(False, None, 0.0, None, 3.0)
    normal = Level(-50.0, -30.0, False, False, 2.0)
    assert microphone_warnings(normal, normal, unheard) == []
    very_low = Level(-90.0, -80.0, False, False, 2.0)
    assert "very low (-90 dBFS)" in microphone_warnings(very_low, very_low, unheard)[0]
    clipped = Level(-10.0, 0.0, False, True, 2.0)
    assert "clipped" in microphone_warnings(normal, clipped, unheard)[0]
    digital_silence = Level(SILENCE_DBFS, SILENCE_DBFS, True, False, 2.0)
    (warning,) = microphone_warnings(digital_silence, normal, heard)
    assert "digitally silent until the chirp" in warning


def _echo_for_speech_at(speech_dbfs: float, played_dbfs: float) -> Echo:
    """An echo whose level predicts the assistant's speech echo at `speech_dbfs`."""
    level = speech_dbfs - ASSISTANT_SPEECH_DBFS + played_dbfs
    return Echo(True, 0.05, 10 ** ((level - played_dbfs) / 20), level, 40.0)


@pytest.mark.parametrize(
    ("speech_dbfs", "action", "lower_by"),
    [
        (-20.0, "headphones", 28.0),
        (HEADPHONES_DBFS, "headphones", 13.0),
        (HEADPHONES_DBFS - 0.5, "lower-volume", 13.0),
        (-40.0, "lower-volume", 8.0),
        (BARGE_IN_DBFS, "lower-volume", 3.0),
        (BARGE_IN_DBFS - 0.5, "ok", 0.0),
        (-70.0, "ok", 0.0),
    ],
)
def test_recommendation_thresholds(speech_dbfs: float, action: str, lower_by: float) -> None:
    played = -9.3
    advice = recommend(_echo_for_speech_at(speech_dbfs, played), played)
    assert advice.action == action
    assert advice.lower_by_db == lower_by
    if action == "lower-volume":
        assert f"by {lower_by:.0f} dB" in advice.message
    if action == "headphones":
        assert "headphones" in advice.message


def test_an_unheard_chirp_needs_no_change_but_says_why() -> None:
    advice = recommend(Echo(False, None, 0.0, None, 2.0), -9.0)
    assert advice.action == "ok"
    assert "did not hear" in advice.message


def test_the_recommendation_scales_with_the_echo_not_the_chirp_level() -> None:
    # The same speaker-to-microphone loss (20 dB) played louder or softer gives the same advice.
    loud = recommend(Echo(True, 0.05, 0.1, -3.0 - 20.0, 50.0), -3.0)
    soft = recommend(Echo(True, 0.05, 0.1, -23.0 - 20.0, 50.0), -23.0)
    assert loud == soft
    assert loud.action == "lower-volume"
    assert math.isclose(loud.lower_by_db, 8.0)


def test_echo_mode_advice_from_a_measured_cancellation() -> None:
    from realtime_cli.audio.doctor import frame_peaks_dbfs, measure_cancellation
    from realtime_cli.audio.echo_canceller import GATE_DB, Aec3Canceller
    from tests.audio.signals import room_echo, speech_like

    far = speech_like("This is rt checking how much of its own voice your microphone hears.")
    mic = room_echo(far, gain_db=-6.0)
    # The loud 10 ms frames sit well above the average level: predictions must use them.
    assert frame_peaks_dbfs(mic, 24000) > measure_level(mic, 24000).rms_dbfs + 3.0
    aec = measure_cancellation(mic, far, Aec3Canceller(), gate_db=GATE_DB)
    assert aec.mode == "aec" and aec.residual_peak_dbfs is not None
    assert aec.residual_peak_dbfs < BARGE_IN_DBFS < aec.echo_peak_dbfs
    # No canceller: the gate is enough for a moderate echo, not for one as loud as played.
    assert measure_cancellation(mic, far, None, gate_db=GATE_DB).mode == "gate"
    loud = room_echo(far, gain_db=12.0) * 0.9
    assert measure_cancellation(loud, far, None, gate_db=GATE_DB).mode == "headphones"
