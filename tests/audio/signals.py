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


def room_echo(
    far: NDArray[np.float32],
    *,
    rate: int = 24000,
    delay_s: float = 0.05,
    gain_db: float = -6.0,
    noise_dbfs: float = -60.0,
    seed: int = 1,
) -> NDArray[np.float32]:
    """What a microphone hears of `far` in a small room: a direct path `delay_s` late at
    `gain_db` overall, a 100 ms exponentially decaying reverberant tail, and white room
    noise at `noise_dbfs` RMS."""
    rng = np.random.default_rng(seed)
    delay = round(delay_s * rate)
    tail = round(0.1 * rate)
    h = np.zeros(delay + tail)
    h[delay] = 1.0
    h[delay:] += rng.standard_normal(tail) * np.exp(-np.arange(tail) / (tail / 6)) * 0.3
    h *= 10 ** (gain_db / 20) / np.sqrt(np.sum(h * h))
    echo = np.convolve(far.astype(np.float64), h)[: far.size]
    noise = rng.standard_normal(far.size) * 10 ** (noise_dbfs / 20)
    return (echo + noise).astype(np.float32)


def speech_like(text: str, *, speed: float = 1.0, gain_db: float = 0.0) -> NDArray[np.float32]:
    """The emulator's synthetic "speech" for `text` as 24 kHz float32, scaled by `gain_db`."""
    from realtime_cli.emulator.synth import speak

    pcm = speak(text, speed=speed).samples
    return (pcm.astype(np.float32) / 32768.0 * 10 ** (gain_db / 20)).astype(np.float32)


def to_pcm16(samples: NDArray[np.floating]) -> NDArray[np.int16]:
    """Float samples to int16 with clipping."""
    return np.rint(np.clip(samples, -1.0, 32767 / 32768) * 32768).astype(np.int16)
