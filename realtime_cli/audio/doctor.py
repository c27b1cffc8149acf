"""The measurements behind `rt doctor`: test chirp, levels, echo delay and loudness, advice.

Pure numpy, no devices: `loopback.play_and_record` produces the recording these functions
analyse. Levels are RMS in dBFS relative to a full-scale square wave, so a full-scale sine
reads -3 dBFS; digital silence reads `SILENCE_DBFS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

from realtime_cli.audio.echo_canceller import EchoCanceller
from realtime_cli.audio.sample_format import float_to_pcm16, pcm16_to_float

__all__ = [
    "ASSISTANT_SPEECH_DBFS",
    "BARGE_IN_DBFS",
    "CHIRP_FROM_HZ",
    "CHIRP_SECONDS",
    "CHIRP_TO_HZ",
    "HEADPHONES_DBFS",
    "SILENCE_DBFS",
    "SPEECH_PEAK_OVER_RMS_DB",
    "Cancellation",
    "Echo",
    "Level",
    "Recommendation",
    "chirp",
    "dbfs",
    "find_echo",
    "frame_peaks_dbfs",
    "measure_cancellation",
    "measure_level",
    "microphone_warnings",
    "predicted_speech_echo_dbfs",
    "recommend",
]

FloatArray = NDArray[np.float32]

#: The test chirp: a quarter second sweeping the band every speaker and microphone carries.
CHIRP_SECONDS: Final = 0.25
CHIRP_FROM_HZ: Final = 500.0
CHIRP_TO_HZ: Final = 4000.0
#: What digital silence (and anything quieter) reads as; a finite number keeps JSON valid.
SILENCE_DBFS: Final = -120.0
#: Typical RMS level of the assistant's synthesized speech: the echo of a reply is the chirp's
#: echo scaled from the chirp's level to this one.
ASSISTANT_SPEECH_DBFS: Final = -20.0
#: Echoed speech at or above this RMS level looks like a quiet talker to a server-side voice
#: activity detector at its default threshold (0.5): the assistant would interrupt itself.
BARGE_IN_DBFS: Final = -45.0
#: Echo this loud cannot be fixed by a reasonable volume change: headphones are the answer.
HEADPHONES_DBFS: Final = -35.0
#: The echo must stand this far above the correlation noise to count as heard. Noise alone
#: peaks about 10 dB above its RMS over a second of lags, so 20 dB rules out false echoes.
MIN_ECHO_SNR_DB: Final = 20.0
#: The loud 10 ms frames of speech (what a voice detector fires on) sit about this far above
#: its long-term RMS; predicting from the RMS with 3 dB of headroom was about 5 dB short.
SPEECH_PEAK_OVER_RMS_DB: Final = 8.0
#: A full-scale-ish sample: the microphone clipped when enough samples reach it.
_CLIP_LEVEL: Final = 0.99
_CLIP_FRACTION: Final = 1e-4
#: A working microphone in a quiet room still picks up noise above this.
_VERY_LOW_DBFS: Final = -75.0
#: Around the correlation peak, the chirp's own sidelobes and the room's early reflections are
#: not noise.
_PEAK_GUARD_S: Final = 0.02


def dbfs(amplitude: float) -> float:
    """20·log10 of an RMS or peak amplitude, floored at `SILENCE_DBFS`."""
    if amplitude <= 0.0 or not math.isfinite(amplitude):
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 20.0 * math.log10(amplitude))


def chirp(
    rate: int,
    *,
    duration_s: float = CHIRP_SECONDS,
    f0: float = CHIRP_FROM_HZ,
    f1: float = CHIRP_TO_HZ,
    amplitude: float = 0.5,
    fade_s: float = 0.01,
) -> FloatArray:
    """A linear sweep from f0 to f1 Hz with raised-cosine edges (no clicks), float32.

    A sweep correlates into one sharp peak (width about 1/(f1-f0)), so its delay can be found
    to a fraction of a millisecond even far below the room noise. The band avoids the bass a
    laptop speaker cannot play and the treble a laptop microphone filters out.
    """
    n = round(rate * duration_s)
    t = np.arange(n, dtype=np.float64) / rate
    phase = 2.0 * np.pi * (f0 * t + (f1 - f0) * t * t / (2.0 * duration_s))
    signal = amplitude * np.sin(phase)
    edge = min(round(rate * fade_s), n // 2)
    if edge > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(edge) / edge)
        signal[:edge] *= ramp
        signal[n - edge :] *= ramp[::-1]
    return signal.astype(np.float32)


@dataclass(frozen=True)
class Level:
    """How loud a stretch of microphone audio is."""

    rms_dbfs: float
    peak_dbfs: float
    #: Every sample is exactly 0.0: a muted device or one this program may not read.
    all_zeros: bool
    #: Enough samples at full scale that the input gain is too high.
    clipped: bool
    seconds: float


def measure_level(samples: NDArray[np.floating], rate: int) -> Level:
    """RMS and peak level of mono samples in [-1, 1]."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        return Level(SILENCE_DBFS, SILENCE_DBFS, True, False, 0.0)
    magnitude = np.abs(x)
    clipped = np.count_nonzero(magnitude >= _CLIP_LEVEL) > max(1, _CLIP_FRACTION * x.size)
    return Level(
        rms_dbfs=dbfs(float(np.sqrt(np.mean(x * x)))),
        peak_dbfs=dbfs(float(magnitude.max())),
        all_zeros=not np.any(x),
        clipped=bool(clipped),
        seconds=x.size / rate,
    )


@dataclass(frozen=True)
class Echo:
    """The test signal as the microphone heard it (or not)."""

    heard: bool
    #: From handing the signal's first sample to the output device to receiving its echo.
    latency_s: float | None
    #: Echo amplitude relative to the signal played (1.0: as loud as played).
    gain: float
    #: RMS level of the echo; None when not heard.
    level_dbfs: float | None
    #: Correlation peak over the correlation's RMS elsewhere.
    snr_db: float


def find_echo(
    recording: NDArray[np.floating],
    reference: NDArray[np.floating],
    rate: int,
    *,
    start: float = 0.0,
    max_latency_s: float = 1.0,
    min_snr_db: float = MIN_ECHO_SNR_DB,
) -> Echo:
    """Find `reference` in `recording` at or after index `start` by cross-correlation.

    `start` is the (fractional) recording index at which the reference began to play; the
    search runs from 50 ms before it (clock estimates are not exact) to `max_latency_s`
    after. The envelope of the correlation is used, so a speaker or microphone that inverts
    or phase-shifts the signal is measured as well as one that does not.
    """
    ref = np.asarray(reference, dtype=np.float64)
    rec = np.asarray(recording, dtype=np.float64)
    energy = float(np.dot(ref, ref))
    lo = max(0, math.floor(start - 0.05 * rate))
    hi = min(rec.size, math.ceil(start + max_latency_s * rate) + ref.size)
    segment = rec[lo:hi]
    lags = segment.size - ref.size + 1
    if energy == 0.0 or lags <= 0 or not np.any(segment):
        return Echo(False, None, 0.0, None, 0.0)
    n = 1 << (segment.size + ref.size - 1).bit_length()
    spectrum = np.fft.fft(segment, n) * np.conj(np.fft.fft(ref, n))
    # Keeping only positive frequencies (doubled) makes the correlation analytic; its
    # magnitude is the envelope, free of the carrier's oscillation.
    spectrum[1 : n // 2] *= 2.0
    spectrum[n // 2 + 1 :] = 0.0
    envelope = np.abs(np.fft.ifft(spectrum)[:lags])
    peak = int(np.argmax(envelope))
    offset, height = _parabolic_peak(envelope, peak)
    guard = round(_PEAK_GUARD_S * rate)
    rest = np.concatenate([envelope[: max(0, peak - guard)], envelope[peak + guard + 1 :]])
    noise = float(np.sqrt(np.mean(rest * rest))) if rest.size else 0.0
    snr_db = 200.0 if noise == 0.0 else 20.0 * math.log10(height / noise)
    gain = height / energy
    if snr_db < min_snr_db:
        return Echo(False, None, gain, None, snr_db)
    ref_rms = math.sqrt(energy / ref.size)
    return Echo(
        heard=True,
        latency_s=(lo + peak + offset - start) / rate,
        gain=gain,
        level_dbfs=dbfs(gain * ref_rms),
        snr_db=snr_db,
    )


def _parabolic_peak(values: NDArray[np.float64], i: int) -> tuple[float, float]:
    """Sub-sample offset (-0.5..0.5) and height of the parabola through a peak's neighbours."""
    if i == 0 or i == values.size - 1:
        return 0.0, float(values[i])
    a, b, c = (float(v) for v in values[i - 1 : i + 2])
    curvature = a - 2.0 * b + c
    if curvature >= 0.0:
        return 0.0, b
    offset = 0.5 * (a - c) / curvature
    return offset, b - 0.25 * (a - c) * offset


def predicted_speech_echo_dbfs(echo_dbfs: float, played_dbfs: float) -> float:
    """The echo level of the assistant's speech, from the echo of a signal played at
    `played_dbfs`: the speaker-to-microphone path attenuates both alike."""
    return echo_dbfs - played_dbfs + ASSISTANT_SPEECH_DBFS


@dataclass(frozen=True)
class Recommendation:
    """What to change before talking, if anything."""

    action: Literal["ok", "lower-volume", "headphones", "check-microphone"]
    message: str
    #: How far to turn the speaker down for the echo to stay below `BARGE_IN_DBFS`.
    lower_by_db: float


def recommend(echo: Echo, played_dbfs: float, microphone: Level | None = None) -> Recommendation:
    """Advice from the echo of a signal played at `played_dbfs` (RMS) and, when given, the
    level of the whole recording (`microphone`)."""
    if microphone is not None and microphone.all_zeros:
        return Recommendation(
            "check-microphone",
            "fix the microphone first: it delivered only zeros, so neither your voice nor the "
            "echo can be heard",
            0.0,
        )
    if not echo.heard or echo.level_dbfs is None:
        return Recommendation(
            "ok",
            "the microphone did not hear the test chirp: no echo to interrupt the assistant "
            "(if you are not on headphones, check that the speaker is on and audible)",
            0.0,
        )
    speech = predicted_speech_echo_dbfs(echo.level_dbfs, played_dbfs)
    # 3 dB of headroom so that louder syllables stay below the threshold too.
    lower_by = max(0.0, math.ceil(speech - BARGE_IN_DBFS + 3.0))
    if speech >= HEADPHONES_DBFS:
        return Recommendation(
            "headphones",
            f"the assistant's voice would reach the microphone at about {speech:.0f} dBFS "
            f"and interrupt it (barge-in above {BARGE_IN_DBFS:.0f} dBFS): use headphones",
            lower_by,
        )
    if speech >= BARGE_IN_DBFS:
        return Recommendation(
            "lower-volume",
            f"the assistant's voice would reach the microphone at about {speech:.0f} dBFS, "
            f"enough to interrupt it: lower the speaker volume by {lower_by:.0f} dB or use "
            "headphones",
            lower_by,
        )
    return Recommendation(
        "ok",
        f"the echo of the assistant's voice (about {speech:.0f} dBFS) stays below the "
        f"barge-in level ({BARGE_IN_DBFS:.0f} dBFS)",
        0.0,
    )


def microphone_warnings(listening: Level, whole: Level, echo: Echo) -> list[str]:
    """Problems with the microphone: `listening` is the stretch before the chirp, `whole`
    the entire recording."""
    if whole.all_zeros:
        return [
            "the microphone delivered only zeros: it is probably muted, or this program has "
            "no permission to use it (macOS: System Settings > Privacy & Security > Microphone); "
            "a noise gate does this too. rt talk keeps listening and warns while it lasts"
        ]
    warnings: list[str] = []
    if listening.all_zeros and echo.heard:
        warnings.append(
            "the microphone was digitally silent until the chirp played (a noise gate, or a "
            "loopback or virtual device rather than a microphone)"
        )
    elif listening.rms_dbfs < _VERY_LOW_DBFS:
        warnings.append(
            f"the microphone level is very low ({listening.rms_dbfs:.0f} dBFS): check the "
            "input volume and that the right device is selected"
        )
    if whole.clipped:
        warnings.append("the microphone clipped (full scale reached): lower the input gain")
    return warnings


def frame_peaks_dbfs(samples: NDArray[np.floating], rate: int, percentile: float = 95.0) -> float:
    """The level of the loud 10 ms frames (their `percentile`-th RMS level, dBFS): what a
    voice detector fires on, unlike the average level."""
    block = max(1, rate // 100)
    x = np.asarray(samples, dtype=np.float64)[: samples.shape[0] // block * block]
    if x.size == 0:
        return SILENCE_DBFS
    power = np.mean(np.square(x.reshape(-1, block)), axis=1)
    return dbfs(math.sqrt(float(np.percentile(power, percentile))))


@dataclass(frozen=True)
class Cancellation:
    """The echo of speech at the microphone before and after `--echo aec`, and the advice."""

    #: Loud 10 ms frames (95th percentile) of the echo as the microphone heard it.
    echo_peak_dbfs: float
    #: The loudest 10 ms frame left after cancellation (its first second excepted: learning).
    residual_peak_dbfs: float | None
    mode: Literal["aec", "gate", "headphones"]
    message: str


def measure_cancellation(
    recording: NDArray[np.floating],
    reference: NDArray[np.floating],
    canceller: EchoCanceller | None,
    *,
    gate_db: float,
) -> Cancellation:
    """Run the microphone's recording of played speech (24 kHz, aligned with `reference`:
    what was played, at the moment it was played) through an echo canceller (an
    `EchoCanceller`, or None when none could be loaded) and recommend the echo mode."""
    n = min(recording.shape[0], reference.shape[0]) // 480 * 480
    near = np.asarray(recording[:n], dtype=np.float32)
    far = np.asarray(reference[:n], dtype=np.float32)
    playing = far.reshape(-1, 240).std(axis=1) > 1e-4
    echo_peak = frame_peaks_dbfs(near.reshape(-1, 240)[playing].reshape(-1), 24000)
    residual: float | None = None
    if canceller is not None:
        process = canceller.process
        pcm = float_to_pcm16(near)
        out = np.concatenate(
            [process(pcm[i : i + 480], far[i : i + 480]) for i in range(0, n, 480)]
        )
        settled = pcm16_to_float(out)[24000:]
        residual = frame_peaks_dbfs(settled, 24000, percentile=100.0)
    if residual is not None and residual < BARGE_IN_DBFS:
        return Cancellation(
            echo_peak,
            residual,
            "aec",
            f"echo cancellation (--echo aec, the default) leaves at most {residual:.0f} dBFS of "
            f"the assistant's voice, below the barge-in level ({BARGE_IN_DBFS:.0f} dBFS): "
            "no headphones needed",
        )
    if echo_peak + gate_db < BARGE_IN_DBFS:
        why = (
            "no echo canceller could be loaded"
            if residual is None
            else f"echo cancellation still leaves {residual:.0f} dBFS"
        )
        return Cancellation(
            echo_peak,
            residual,
            "gate",
            f"{why}: use --echo gate (the microphone is muted while the assistant speaks; "
            "press a key to interrupt) or headphones",
        )
    return Cancellation(
        echo_peak,
        residual,
        "headphones",
        f"the echo is too loud ({echo_peak:.0f} dBFS peaks) for cancellation or the gate: "
        "use headphones",
    )
