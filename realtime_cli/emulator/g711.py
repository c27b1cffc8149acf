"""G.711 mu-law and A-law at 8 kHz, the service's `audio/pcmu` and `audio/pcma` formats."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["alaw_decode", "alaw_encode", "ulaw_decode", "ulaw_encode"]

Samples = npt.NDArray[np.int16]

_BIAS = 0x84
_CLIP = 32635


def _ulaw_decode_table() -> Samples:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _alaw_decode_table() -> Samples:
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = np.where(
        exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << (exponent - 1)
    )
    return np.where(sign != 0, magnitude, -magnitude).astype(np.int16)


_ULAW = _ulaw_decode_table()
_ALAW = _alaw_decode_table()


def _nearest_codes(table: Samples) -> npt.NDArray[np.uint8]:
    """A 65536-entry encoder: for each int16 value, the code whose decoding is closest."""
    order = np.argsort(table, kind="stable")
    values = table[order].astype(np.int32)
    everything = np.arange(-32768, 32768, dtype=np.int32)
    right = np.clip(np.searchsorted(values, everything), 1, len(values) - 1)
    left = right - 1
    pick_left = (everything - values[left]) <= (values[right] - everything)
    return order[np.where(pick_left, left, right)].astype(np.uint8)


_ULAW_ENC = _nearest_codes(_ULAW)
_ALAW_ENC = _nearest_codes(_ALAW)


def ulaw_decode(data: bytes) -> Samples:
    """mu-law bytes to int16 samples."""
    return _ULAW[np.frombuffer(data, dtype=np.uint8)]


def alaw_decode(data: bytes) -> Samples:
    """A-law bytes to int16 samples."""
    return _ALAW[np.frombuffer(data, dtype=np.uint8)]


def ulaw_encode(samples: Samples) -> bytes:
    """int16 samples to mu-law bytes."""
    clipped = np.clip(samples.astype(np.int32), -_CLIP, _CLIP)
    return _ULAW_ENC[clipped + 32768].tobytes()


def alaw_encode(samples: Samples) -> bytes:
    """int16 samples to A-law bytes."""
    return _ALAW_ENC[samples.astype(np.int32) + 32768].tobytes()
