"""The capture conversion: device blocks in, 24 kHz PCM16 frames out (no I/O)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from realtime_cli.audio.frame_assembler import DEFAULT_FRAME_SAMPLES, FrameAssembler
from realtime_cli.audio.resample import Resampler, make_resampler
from realtime_cli.audio.sample_format import API_RATE, downmix, float_to_pcm16

Int16Array = NDArray[np.int16]


class CaptureChain:
    """Downmix, resample to 24 kHz, convert to int16 with clipping, cut into frames.

    Shared by the sounddevice microphone and the WAV microphone so both deliver the same
    frames for the same signal.
    """

    def __init__(
        self,
        in_rate: int,
        *,
        frame_samples: int = DEFAULT_FRAME_SAMPLES,
        out_rate: int = API_RATE,
        resampler: Resampler | None = None,
    ) -> None:
        self.in_rate = in_rate
        self.out_rate = out_rate
        self.resampler = resampler or make_resampler(in_rate, out_rate)
        self.assembler = FrameAssembler(frame_samples)
        self.input_samples = 0
        # Exact zeros from the start of capture; a muted or permission-blocked microphone
        # delivers nothing else. Frozen at the first non-zero sample.
        self.leading_zero_samples = 0
        self._heard_signal = False
        # Downmix target, reused across blocks (grown for a larger block); the resampler
        # copies what it needs, so the next block may overwrite it.
        self._mono = np.zeros(0, dtype=np.float32)

    @property
    def latency_s(self) -> float:
        """Algorithmic delay added by the resampler."""
        return self.resampler.group_delay_s

    @property
    def leading_silence_s(self) -> float:
        """Seconds of exact digital silence since capture started (0 once a sample was non-zero)."""
        return self.leading_zero_samples / self.in_rate

    def push(self, block: NDArray[np.floating]) -> list[Int16Array]:
        """Convert one device block ((frames, channels) or mono); return completed frames."""
        if block.ndim == 1:
            mono = downmix(block)  # already mono: no copy
        else:
            if block.shape[0] > self._mono.size:
                self._mono = np.empty(block.shape[0], dtype=np.float32)
            mono = downmix(block, self._mono)
        self.input_samples += mono.size
        if not self._heard_signal:
            nonzero = np.flatnonzero(mono)
            if nonzero.size:
                self._heard_signal = True
                self.leading_zero_samples += int(nonzero[0])
            else:
                self.leading_zero_samples += mono.size
        converted = self.resampler.process(mono)
        return self.assembler.push(float_to_pcm16(converted))

    def finish(self) -> list[Int16Array]:
        """End of input: push out the resampler's tail and the last frame, zero padded."""
        tail = int(np.ceil(self.resampler.pending_input())) if self.input_samples else 0
        frames = (
            self.assembler.push(float_to_pcm16(self.resampler.process(np.zeros(tail, np.float32))))
            if tail > 0
            else []
        )
        last = self.assembler.flush()
        if last is not None:
            frames.append(last)
        return frames
