"""The three audio formats of the API: 24 kHz PCM16 and 8 kHz G.711 mu-law / A-law."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from realtime_cli.emulator.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from realtime_cli.protocol import AudioFormat

__all__ = ["PCM_RATE", "bytes_per_ms", "decode_samples", "encode_pcm24k", "sample_rate"]

PCM_RATE = 24000
G711_RATE = 8000

Samples = npt.NDArray[np.int16]


def _kind(fmt: AudioFormat | None) -> str:
    kind = None if fmt is None else fmt.type
    return kind if isinstance(kind, str) else "audio/pcm"


def sample_rate(fmt: AudioFormat | None) -> int:
    """Samples per second of a format."""
    return PCM_RATE if _kind(fmt) == "audio/pcm" else G711_RATE


def bytes_per_ms(fmt: AudioFormat | None) -> int:
    """Bytes of one millisecond of audio (48 for PCM16 at 24 kHz, 8 for G.711)."""
    return 48 if _kind(fmt) == "audio/pcm" else 8


def decode_samples(data: bytes, fmt: AudioFormat | None) -> Samples:
    """Wire bytes to int16 samples at the format's own rate."""
    kind = _kind(fmt)
    if kind == "audio/pcmu":
        return ulaw_decode(data)
    if kind == "audio/pcma":
        return alaw_decode(data)
    usable = len(data) - len(data) % 2
    return np.frombuffer(data[:usable], dtype="<i2").astype(np.int16)


def encode_pcm24k(samples: Samples, fmt: AudioFormat | None) -> bytes:
    """24 kHz int16 samples to wire bytes in `fmt` (G.711 is decimated to 8 kHz)."""
    kind = _kind(fmt)
    if kind == "audio/pcm":
        return samples.astype("<i2").tobytes()
    usable = len(samples) - len(samples) % 3
    # Averaging three samples is a crude low-pass, enough for synthetic tones.
    low = samples[:usable].astype(np.int32).reshape(-1, 3).mean(axis=1).astype(np.int16)
    return ulaw_encode(low) if kind == "audio/pcmu" else alaw_encode(low)
