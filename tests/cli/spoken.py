"""Microphone input as a WAV file for `rt talk --input-file`: any 24 kHz PCM16 samples, or a
spoken request (the emulator's synthetic speech of a text, with a little silence around it;
the test queues the matching transcript, since the emulator does not recognise speech)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from realtime_cli.audio import wavfile
from realtime_cli.emulator.synth import SAMPLE_RATE, silence, speak

__all__ = ["spoken_wav", "write_wav"]


def spoken_wav(path: Path, text: str) -> Path:
    """Write the speech of `text` to `path` (24 kHz mono PCM16) and return the path."""
    return write_wav(path, np.concatenate([silence(200), speak(text).samples, silence(300)]))


def write_wav(path: Path, pcm: np.ndarray) -> Path:
    """Write `pcm` (24 kHz mono PCM16) to `path` and return the path."""
    wavfile.write_wav(path, pcm, SAMPLE_RATE)
    return path
