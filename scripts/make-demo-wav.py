"""Writes demo/hello.wav: a deterministic speech-like utterance between two silences, voiced
by the emulator's synthesizer, which any energy VAD (the emulator's included) takes for
speech. The file is committed; this script documents how it was made."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from realtime_cli.emulator.synth import SAMPLE_RATE, silence, speak


def main() -> None:
    pcm = np.concatenate(
        [silence(500), speak("Hello there, how are you today?").samples, silence(500)]
    )
    out = Path(__file__).resolve().parent.parent / "demo" / "hello.wav"
    with wave.open(str(out), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm.astype("<i2").tobytes())
    print(f"wrote {out} ({pcm.size / SAMPLE_RATE:.2f} s)")


if __name__ == "__main__":
    main()
