"""Echo cancellers: remove the assistant's voice, played by the speaker, from the microphone.

Every canceller is a pure object fed 24 kHz microphone frames and the far-end samples that
were playing at the same moment (see `far_end.FarEndReference`); none touches a device.

- `Aec3Canceller`: WebRTC's AEC3 (through `pywebrtc-audio`) with its noise suppressor, then
  a residual echo suppressor driven by the far-end level: AEC3 alone can leak a short burst
  of echo at a word onset after a pause, loud enough for a sensitive server detector.
- `GateCanceller`: half duplex. The microphone is attenuated while far-end audio plays and
  for a short tail after it; the user interrupts with a key instead of their voice.
- `PassThrough`: no processing (`--echo off`, or headphones).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from typing import Any, Final, Literal, Protocol, get_args

import numpy as np
from numpy.typing import NDArray

from realtime_cli.audio.sample_format import API_RATE, float_to_pcm16, pcm16_to_float

Int16Array = NDArray[np.int16]
FloatArray = NDArray[np.float32]

EchoMode = Literal["aec", "gate", "off"]
ECHO_MODES: Final[tuple[str, ...]] = get_args(EchoMode)

#: The cancellers work on 10 ms blocks at the API rate; frames are whole multiples of it.
BLOCK: Final = API_RATE // 100
#: Far-end audio quieter than this (RMS per 10 ms) is silence: nothing to cancel or gate.
FAR_ACTIVE_DBFS: Final = -55.0
#: How long after the far end falls silent its echo can still arrive (path delay + room).
ECHO_TAIL_S: Final = 0.25
#: The gate's attenuation: echo at -16 dBFS peaks ends near -56 dBFS, under any detector.
GATE_DB: Final = -40.0
#: AEC3 output this far below the predicted echo is leftover echo, not the user's voice...
RESIDUAL_MARGIN_DB: Final = 10.0
#: ...and the suppressor takes it down by this much more.
RESIDUAL_SUPPRESS_DB: Final = -30.0
#: Until AEC3 has converged (the first second or so of the first answer), anything not
#: clearly louder than the predicted echo is taken for echo: half duplex while it learns.
LEARNING_MARGIN_DB: Final = -6.0
#: AEC3 has converged once it removes this much from blocks carrying echo...
CONVERGED_ERLE_DB: Final = 20.0
#: ...and has heard this many 10 ms blocks of echo (2 s of the assistant's voice).
LEARNING_BLOCKS: Final = 200
#: After the host moved the speaker's timeline (an underrun's recovery, not a restart) AEC3's
#: model of the room still holds and the pairing followed the move: 0.5 s of echo cancelled
#: as well again is enough. Under heavy CPU load such moves come every second or so, and
#: the full `LEARNING_BLOCKS` would leave rt half duplex throughout.
RECHECK_BLOCKS: Final = 50
#: A block AEC3 reduced by this much was echo alone (used to learn the echo path gain).
ECHO_ONLY_ERLE_DB: Final = 15.0
_ECHO_PATH_RISE = 0.3
_ECHO_PATH_FALL = 0.005
_FLOOR_DB = -120.0
_PCM16_SCALE = np.float32(32768.0)
#: The level of int16 full scale in dB: int16 powers are this far above float ones.
_PCM16_DB = 20.0 * math.log10(32768.0)


class EchoCanceller(Protocol):
    """Removes the far end's echo from 24 kHz microphone frames (multiples of 10 ms)."""

    mode: EchoMode

    def process(
        self, near: Int16Array, far: FloatArray, *, recent_far_db: float | None = None
    ) -> Int16Array:
        """The microphone frame without echo; `far` is what played during it (float32) by
        the time stamps, `recent_far_db` the loudest far-end block written shortly before
        it (see `FarEndReference.recent_level_db`): a bound that holds when they do not."""
        ...

    @property
    def echo_removed_db(self) -> float | None:
        """How much the microphone level drops while the far end plays (smoothed), or None
        before the far end has played."""
        ...

    def far_end_restarted(self, *, moved: bool = False) -> None:
        """The speaker's timeline broke off: a barge-in restarted the stream, or (`moved`)
        the host recovered from an underrun. The echo that follows may sit off where it was."""
        ...


class CancellerUnavailableError(RuntimeError):
    """The echo canceller library cannot be loaded on this platform."""


def block_levels_db(samples: NDArray[np.floating]) -> NDArray[np.float64]:
    """RMS level (dBFS, full scale = 1.0) of each 10 ms block of float samples."""
    blocks = np.asarray(samples, dtype=np.float64)[: samples.shape[0] // BLOCK * BLOCK]
    power = np.mean(np.square(blocks.reshape(-1, BLOCK)), axis=1)
    levels: NDArray[np.float64] = 10.0 * np.log10(power + 1e-12)
    return levels


class _EchoMeter:
    """The live "echo removed" figure: input minus output level while the far end plays."""

    def __init__(self, smoothing: float = 0.05) -> None:
        self._alpha = smoothing
        self.value: float | None = None

    def add(self, in_db: float, out_db: float) -> None:
        if in_db < -70.0:  # nothing but room noise came in: no echo to measure
            return
        removed = in_db - max(out_db, _FLOOR_DB)
        self.value = (
            removed if self.value is None else self.value + self._alpha * (removed - self.value)
        )


class _FarWindow:
    """The loudest far-end block within the echo tail before each block: where its echo can
    still be in the microphone, and how loud that echo can be."""

    def __init__(self, tail_s: float = ECHO_TAIL_S) -> None:
        blocks = max(1, math.ceil(tail_s * 100))
        self._history: deque[float] = deque([_FLOOR_DB] * blocks, maxlen=blocks)

    def update(self, far_db: float) -> float:
        """Feed one block's far-end level; return the window's maximum including it."""
        self._history.append(far_db)
        return max(self._history)


def _levels(
    *signals: NDArray[np.float32] | Int16Array, offset_db: float = 0.0
) -> list[list[float]]:
    """RMS level (dBFS) of each 10 ms block of each signal (equal lengths, whole blocks);
    `offset_db` rescales (int16 samples: full scale is 32768, not 1).

    One numpy pass and scalar logs: this runs for every microphone frame, and on a 20 ms
    frame numpy's per-call overhead costs more than the arithmetic.
    """
    blocks = np.concatenate(signals, dtype=np.float32).reshape(-1, 1, BLOCK)
    powers: list[float] = np.matmul(blocks, blocks.transpose(0, 2, 1)).ravel().tolist()
    per_signal = len(powers) // len(signals)
    levels = [10.0 * math.log10(p / BLOCK + 1e-12) - offset_db for p in powers]
    return [levels[i : i + per_signal] for i in range(0, len(levels), per_signal)]


class _GainRamp:
    """Applies per-block gains, moving linearly from the previous block's gain (no click)."""

    def __init__(self) -> None:
        self.last = 1.0
        self._t = np.arange(1, BLOCK + 1, dtype=np.float32) / np.float32(BLOCK)

    def _factors(self, gains: list[float]) -> np.float32 | FloatArray | None:
        """One factor for every sample (a scalar when constant), or None when all are 1."""
        if all(g == self.last for g in gains):
            # The common cases (not suppressing, or suppressing throughout): no ramp to build.
            return None if self.last == 1.0 else np.float32(self.last)
        starts = np.array([self.last, *gains[:-1]], dtype=np.float32)
        ends = np.array(gains, dtype=np.float32)
        ramp = starts[:, None] + (ends - starts)[:, None] * self._t[None, :]
        self.last = gains[-1]
        factors: FloatArray = ramp.reshape(-1)
        return factors

    def apply(self, samples: FloatArray, gains: list[float]) -> FloatArray | None:
        """`samples` scaled, or None when every gain is 1 (nothing to do)."""
        factors = self._factors(gains)
        if factors is None:
            return None
        out: FloatArray = samples * factors
        return out

    def apply_pcm16(self, samples: Int16Array, gains: list[float]) -> Int16Array:
        """`apply` in place on int16 samples, for gains <= 1 (nothing can clip; truncation
        towards zero matters not in attenuated echo)."""
        factors = self._factors(gains)
        if factors is not None:
            np.multiply(samples, factors, out=samples, casting="unsafe")
        return samples


class PassThrough:
    """`--echo off`: the microphone as captured."""

    mode: EchoMode = "off"

    def process(
        self, near: Int16Array, far: FloatArray, *, recent_far_db: float | None = None
    ) -> Int16Array:
        """Return `near` unchanged."""
        return near

    @property
    def echo_removed_db(self) -> float | None:
        """Nothing is removed."""
        return None

    def far_end_restarted(self, *, moved: bool = False) -> None:
        """Nothing to relearn."""


class GateCanceller:
    """Half duplex: attenuate the microphone by `gate_db` while the far end plays + a tail."""

    mode: EchoMode = "gate"

    def __init__(self, *, gate_db: float = GATE_DB, tail_s: float = ECHO_TAIL_S) -> None:
        self._gain = 10.0 ** (gate_db / 20.0)
        self._gate_db = gate_db
        self._far = _FarWindow(tail_s)
        self._meter = _EchoMeter()
        self._ramp = _GainRamp()
        self.gated_blocks = 0

    def process(
        self, near: Int16Array, far: FloatArray, *, recent_far_db: float | None = None
    ) -> Int16Array:
        """The frame, attenuated in the blocks where echo may be present."""
        n = near.shape[0] // BLOCK * BLOCK
        if n == 0:
            return near
        x = pcm16_to_float(near[:n])
        in_db, far_db = _levels(x, np.asarray(far[:n], dtype=np.float32))
        recent = _FLOOR_DB if recent_far_db is None else recent_far_db
        gains = []
        for level_in, level_far in zip(in_db, far_db, strict=True):
            if max(self._far.update(level_far), recent) > FAR_ACTIVE_DBFS:
                gains.append(self._gain)
                self.gated_blocks += 1
                self._meter.add(level_in, level_in + self._gate_db)
            else:
                gains.append(1.0)
        y = self._ramp.apply(x, gains)
        if y is None:
            return near
        out = near.copy()
        out[:n] = float_to_pcm16(y)
        return out

    @property
    def echo_removed_db(self) -> float | None:
        """Smoothed attenuation while gated."""
        return self._meter.value

    def far_end_restarted(self, *, moved: bool = False) -> None:
        """Nothing to relearn: the gate follows the far-end level alone."""


class Aec3Canceller:
    """WebRTC AEC3 + noise suppression, then a far-end driven residual echo suppressor.

    The suppressor predicts the echo each block can hold: the loudest far-end block within
    the echo tail plus the echo path gain (learnt on blocks AEC3 found to be pure echo).
    A block AEC3 left more than `RESIDUAL_MARGIN_DB` below that prediction is leftover echo
    and is taken down by `RESIDUAL_SUPPRESS_DB`. When the user talks over the answer their
    voice survives AEC3 at its own level, above the margin, so it passes: barge-in keeps
    working in double talk.
    """

    mode: EchoMode = "aec"

    def __init__(
        self,
        *,
        noise_suppression: bool = True,
        residual_suppression: bool = True,
        stream_delay_ms: int = 0,
    ) -> None:
        module = load_webrtc()
        self._apm: Any = module.AudioProcessor(
            sample_rate=API_RATE,
            echo_cancellation=True,
            noise_suppression=noise_suppression,
            stream_delay_ms=stream_delay_ms,
        )
        self._residual = residual_suppression
        self._suppress = 10.0 ** (RESIDUAL_SUPPRESS_DB / 20.0)
        self._far = _FarWindow()
        self._meter = _EchoMeter()
        self._ramp = _GainRamp()
        self._reference = np.empty(0, dtype=np.int16)
        #: Echo path gain in dB (microphone echo level minus far-end level); starts at the
        #: loudest plausible echo so that the first answer is protected before it is learnt.
        self.echo_path_db = 0.0
        #: AEC3's echo reduction on blocks that carried echo (smoothed), and whether it has
        #: ever reached `CONVERGED_ERLE_DB`: until then AEC3 is still learning the room.
        self.erle_db = 0.0
        self.converged = False
        self._echo_blocks = 0
        self._learning_blocks = LEARNING_BLOCKS  # echo blocks needed to converge (again)
        self.suppressed_blocks = 0

    def process(
        self, near: Int16Array, far: FloatArray, *, recent_far_db: float | None = None
    ) -> Int16Array:
        """The frame with the echo of `far` removed."""
        n = near.shape[0] // BLOCK * BLOCK
        if n == 0:
            return near
        # int16 in and out of AEC3, and every level from one pass: this runs on every
        # microphone frame and numpy's per-call cost, not arithmetic, dominates rt's share.
        x = near[:n]
        if self._reference.shape[0] != n:
            self._reference = np.empty(n, dtype=np.int16)
        reference = np.multiply(far[:n], _PCM16_SCALE, out=self._reference, casting="unsafe")
        y: Int16Array = self._apm.process(x, reference)
        in_db, aec_db, far_db = _levels(x, y, reference, offset_db=_PCM16_DB)
        recent = _FLOOR_DB if recent_far_db is None else recent_far_db
        gains = [
            self._block(level_in, level_aec, self._far.update(level_far), recent)
            for level_in, level_aec, level_far in zip(in_db, aec_db, far_db, strict=True)
        ]
        cleaned = self._ramp.apply_pcm16(y, gains)  # y is AEC3's fresh array: ours to change
        if n == near.shape[0]:
            return cleaned
        out = near.copy()
        out[:n] = cleaned
        return out

    def _block(self, in_db: float, aec_db: float, far_peak: float, recent: float) -> float:
        """One 10 ms block: learn from it, and return the suppressor's gain for it.

        `far_peak` comes from the paired reference; `recent` (what the speaker was handed
        shortly before) stands in where the pairing says silence: under CPU load the
        speaker's timeline breaks off and the pairing can sit on the wrong stretch.
        """
        loudest = max(far_peak, recent)
        if loudest <= FAR_ACTIVE_DBFS:
            return 1.0
        predicted = loudest + self.echo_path_db
        erle = in_db - aec_db
        if far_peak <= FAR_ACTIVE_DBFS:
            # The reference AEC3 worked with was silent: it cancelled nothing, and nothing
            # can be learnt. Half duplex for the block, converged or not.
            return self._suppress_if(in_db, aec_db, predicted, LEARNING_MARGIN_DB)
        # Pure echo: AEC3 removed most of it, and it stands well out of the room noise (the
        # quiet ends of echo tails would teach a gain far too low). The loudest echo
        # matters: rise quickly, fall slowly.
        if erle >= ECHO_ONLY_ERLE_DB and in_db > -60.0 and in_db > far_peak - 40.0:
            gain = in_db - far_peak
            rate = _ECHO_PATH_RISE if gain > self.echo_path_db else _ECHO_PATH_FALL
            self.echo_path_db += rate * (gain - self.echo_path_db)
        if not self.converged and in_db > -50.0 and in_db >= predicted - 6.0:
            # Sticky once reached: later low figures are the user talking over the answer.
            # AEC3 reaches its figure within a second but still leaks at new sounds for a
            # while, hence the minimum of echo heard.
            self.erle_db += 0.05 * (erle - self.erle_db)
            self._echo_blocks += 1
            self.converged = (
                self.erle_db >= CONVERGED_ERLE_DB and self._echo_blocks >= self._learning_blocks
            )
        margin = RESIDUAL_MARGIN_DB if self.converged else LEARNING_MARGIN_DB
        return self._suppress_if(in_db, aec_db, predicted, margin)

    def _suppress_if(self, in_db: float, aec_db: float, predicted: float, margin: float) -> float:
        """The suppressor's gain for a block AEC3 made `aec_db` of: suppressed unless it is
        `margin` dB over the echo level `predicted` (and the live figure's update)."""
        suppress = self._residual and aec_db < predicted - margin
        if suppress:
            self.suppressed_blocks += 1
        self._meter.add(in_db, aec_db + (RESIDUAL_SUPPRESS_DB if suppress else 0.0))
        return self._suppress if suppress else 1.0

    @property
    def echo_removed_db(self) -> float | None:
        """Smoothed level drop while the far end plays."""
        return self._meter.value

    def far_end_restarted(self, *, moved: bool = False) -> None:
        """Half duplex again until AEC3 has converged anew (see `LEARNING_MARGIN_DB`).

        A restart moves the echo against the reference by up to a millisecond (the jump is
        measured from DAC times); AEC3 adapts, but until it has, the first word onset after
        a pause can leak echo at full level (measured: 20-40 ms at -22 dBFS, 2 s into the
        answer after a barge-in), which the converged margin takes for the user's voice.
        A host's move (`moved`) of a converged canceller needs only `RECHECK_BLOCKS`.
        """
        if not moved:
            self._learning_blocks = LEARNING_BLOCKS
        elif self.converged:
            self._learning_blocks = RECHECK_BLOCKS
        self.converged = False
        self.erle_db = 0.0
        self._echo_blocks = 0


def load_webrtc() -> Any:
    """Import `pywebrtc_audio` (lazily: it is never needed for `rt --help`)."""
    try:
        import pywebrtc_audio  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415
    except (ImportError, OSError) as exc:
        raise CancellerUnavailableError(
            f"the echo canceller (pywebrtc-audio) cannot be loaded: {exc}"
        ) from exc
    return pywebrtc_audio


def make_echo_canceller(
    mode: EchoMode, *, warn: Callable[[str], object] | None = None
) -> EchoCanceller:
    """The canceller for `mode`; `aec` falls back to `gate` (never to `off`) with one line
    given to `warn` when the canceller library cannot be loaded."""
    if mode == "off":
        return PassThrough()
    if mode == "gate":
        return GateCanceller()
    if mode != "aec":
        raise ValueError(f"unknown echo mode {mode!r}: use one of {', '.join(ECHO_MODES)}")
    try:
        return Aec3Canceller()
    except CancellerUnavailableError as exc:
        if warn is not None:
            warn(f"{exc}; using --echo gate (half duplex: press a key to interrupt)")
        return GateCanceller()
