"""Synthetic test signals and spectrum measurements shared by the audio tests."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def tone(freq: float, rate: int, seconds: float, amplitude: float = 0.5) -> NDArray[np.float32]:
    """A sine of `freq` Hz, float32."""
    t = np.arange(round(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def tone_pcm16(freq: float, seconds: float, amplitude: float = 0.5) -> NDArray[np.int16]:
    """A 24 kHz int16 sine."""
    return np.rint(tone(freq, 24000, seconds, amplitude) * 32767).astype(np.int16)


def spectrum_db(
    signal: NDArray[np.floating], rate: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(frequencies, level in dB relative to a full-scale sine) with a Blackman-Harris window."""
    x = np.asarray(signal, dtype=np.float64)
    n = x.size
    k = np.arange(n)
    w = (
        0.35875
        - 0.48829 * np.cos(2 * np.pi * k / (n - 1))
        + 0.14128 * np.cos(4 * np.pi * k / (n - 1))
        - 0.01168 * np.cos(6 * np.pi * k / (n - 1))
    )
    mag = np.abs(np.fft.rfft(x * w)) / (w.sum() / 2)
    return np.fft.rfftfreq(n, 1 / rate), 20 * np.log10(mag + 1e-30)


def level_db(signal: NDArray[np.floating], rate: int, lo: float, hi: float) -> float:
    """Highest spectral level in [lo, hi] Hz."""
    freqs, db = spectrum_db(signal, rate)
    band = (freqs >= lo) & (freqs <= hi)
    return float(db[band].max())
