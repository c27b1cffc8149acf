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


#: (F1, F2, F3) formant frequencies in Hz of the vowels `voice_like` speaks.
_VOWELS = {
    "a": (730.0, 1090.0, 2440.0),
    "e": (530.0, 1840.0, 2480.0),
    "i": (270.0, 2290.0, 3010.0),
    "o": (570.0, 840.0, 2410.0),
    "u": (300.0, 870.0, 2240.0),
}


def _vowel(formants: tuple[float, ...], pitch: float, rate: int) -> NDArray[np.float64]:
    """160 ms of a vowel: harmonics of a gliding pitch up to 5 kHz, falling 6 dB/octave
    (the glottal source), weighted by resonances at the formants; 20 ms fades."""
    n = round(0.16 * rate)
    glide = pitch * (1.0 + 0.08 * np.sin(np.linspace(0.0, np.pi, n)))
    phase = 2 * np.pi * np.cumsum(glide) / rate
    wave = np.zeros(n)
    for k in range(1, int(5000 / pitch)):
        freq = k * pitch
        resonance = sum(1.0 / (1.0 + ((freq - f) / (0.1 * f + 50.0)) ** 2) for f in formants)
        wave += resonance / k * np.sin(k * phase)
    ramp = np.minimum(np.arange(n), np.arange(n)[::-1]) / (0.02 * rate)
    return wave * np.minimum(1.0, ramp)


def voice_like(
    text: str, *, f0: float = 120.0, level_dbfs: float = -23.0, rate: int = 24000, seed: int = 7
) -> NDArray[np.float32]:
    """A human-like voice saying `text`, float32: vowels voiced around `f0` (see `_vowel`),
    other letters as noise bursts (fricatives and stops mostly above 2 kHz) 6 dB below the
    vowels, 120 ms between words. Vowels are at `level_dbfs` RMS.

    The emulator's speech (`speech_like`) is two tones per syllable between 140 and 600 Hz:
    a user voiced that way over an answer voiced that way is, to a canceller working in
    125 Hz frequency bins, echo in the same few bins. A person's voice spreads over the
    band; double talk is tested with this one.
    """
    rng = np.random.default_rng(seed)
    vowel_gain = 10 ** (level_dbfs / 20)
    parts: list[NDArray[np.float64]] = []
    pitch = f0
    for word in text.lower().split():
        for letter in (c for c in word if c.isalpha()):
            if letter in _VOWELS:
                vowel = _vowel(_VOWELS[letter], pitch, rate)
                middle = vowel[vowel.size // 4 : -vowel.size // 4]
                parts.append(vowel * vowel_gain / np.sqrt(np.mean(np.square(middle))))
                pitch *= 0.985  # falling over the phrase, like speech
            else:
                noise = rng.standard_normal(round((0.07 if letter in "sfzh" else 0.04) * rate))
                if letter in "sfzhtckp":
                    noise = np.diff(noise, prepend=0.0)  # +6 dB/octave: a hiss or a burst
                parts.append(noise * np.hanning(noise.size) * vowel_gain / 2)
        parts.append(np.zeros(round(0.12 * rate)))
    return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)
