"""Deterministic synthetic audio: "speech" for reply text, and tones and silence for tests.

A reply is voiced as a few short tones per word (one per three letters), with a pitch
derived from the letters, gaps between words and longer pauses after punctuation. The same
text always gives the same samples, and the duration grows with the text like speech does.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "SAMPLE_RATE",
    "Speech",
    "silence",
    "speak",
    "tone",
    "word_pieces",
]

SAMPLE_RATE = 24000
SYLLABLE_MS = 110
WORD_GAP_MS = 60
PAUSE_MS = 150
AMPLITUDE = 0.3

Samples = npt.NDArray[np.int16]


@dataclass(frozen=True)
class Speech:
    """Synthesized audio for a text: 24 kHz int16 samples, and where each word starts.

    `words[i]` is `(start_sample, piece)`; the pieces joined give back the text exactly, so
    they double as transcript deltas.
    """

    samples: Samples
    words: list[tuple[int, str]]

    @property
    def duration_ms(self) -> float:
        """Length of the audio in milliseconds."""
        return len(self.samples) * 1000 / SAMPLE_RATE


def word_pieces(text: str) -> list[str]:
    """Split text into words with their trailing spaces (the pieces join to the text)."""
    pieces = re.findall(r"\s*\S+\s*", text)
    return pieces or ([text] if text else [])


def _ms(ms: float) -> int:
    return round(ms * SAMPLE_RATE / 1000)


def tone(freq: float, ms: float, amplitude: float = AMPLITUDE, *, fade_ms: float = 8) -> Samples:
    """A sine tone with short raised-cosine fades (so chunk edges do not click)."""
    count = _ms(ms)
    t = np.arange(count) / SAMPLE_RATE
    wave = np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t)
    envelope = np.ones(count)
    fade = min(_ms(fade_ms), count // 2)
    if fade:
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade))
        envelope[:fade] = ramp
        envelope[count - fade :] = ramp[::-1]
    peak = amplitude * 32767 / 1.3
    return np.round(wave * envelope * peak).astype(np.int16)


def silence(ms: float) -> Samples:
    """Digital silence."""
    return np.zeros(_ms(ms), dtype=np.int16)


def _word_audio(word: str, speed: float) -> Samples:
    letters = [c for c in word.lower() if c.isalnum()]
    syllables = max(1, math.ceil(len(letters) / 3))
    parts: list[Samples] = []
    for index in range(syllables):
        chunk = letters[index * 3 : index * 3 + 3] or ["a"]
        pitch = 140 + (sum(ord(c) for c in chunk) * 37 + index * 11) % 160
        parts.append(tone(pitch, SYLLABLE_MS / speed))
    gap = WORD_GAP_MS + (PAUSE_MS if word.rstrip()[-1:] in ".,!?;:" else 0)
    parts.append(silence(gap / speed))
    return np.concatenate(parts)


def speak(text: str, *, speed: float = 1.0) -> Speech:
    """Voice `text` deterministically; `speed` is the session's audio.output.speed."""
    words: list[tuple[int, str]] = []
    parts: list[Samples] = []
    position = 0
    for piece in word_pieces(text):
        audio = _word_audio(piece.strip() or "a", speed)
        words.append((position, piece))
        parts.append(audio)
        position += len(audio)
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
    return Speech(samples=samples, words=words)
