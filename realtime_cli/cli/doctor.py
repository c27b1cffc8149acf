"""`rt doctor`: check the microphone and the speaker's echo before talking."""

from __future__ import annotations

import json
import math
import os
from typing import TYPE_CHECKING, Annotated, Any

import typer

from realtime_cli.cli.devices import no_devices_error
from realtime_cli.cli.json_errors import json_on_error
from realtime_cli.cli.options import ConfigFile, Debug, JsonOutput, Profile
from realtime_cli.config import load_config

if TYPE_CHECKING:
    from realtime_cli.audio.devices import DeviceInfo

__all__ = ["doctor"]

# Echo later than this is not looked for; Bluetooth speakers reach a few hundred ms.
ECHO_WINDOW_S = 1.0


@json_on_error({"input": None, "output": None, "warnings": []})
def doctor(
    input_device: Annotated[
        str | None,
        typer.Option(
            "--input-device",
            metavar="DEVICE",
            help="Microphone: index or part of a name from 'rt devices' "
            "(default: the profile's audio.input_device, then the system default).",
        ),
    ] = None,
    output_device: Annotated[
        str | None,
        typer.Option(
            "--output-device",
            metavar="DEVICE",
            help="Speaker, as for --input-device (default: the profile's audio.output_device).",
        ),
    ] = None,
    seconds: Annotated[
        float,
        typer.Option(
            "--seconds",
            min=0.5,
            max=30.0,
            metavar="SECONDS",
            help="How long to listen to the microphone before the test chirp.",
        ),
    ] = 2.0,
    json_output: JsonOutput = False,
    profile: Profile = None,
    config: ConfigFile = None,
    debug: Debug = False,
) -> None:
    """Self-test before talking: microphone level, then a chirp for echo and latency.

    Listens for a few seconds (speak to see your level), plays a short chirp
    and measures how late and how loud the microphone hears it. Advises
    headphones or a lower volume when the assistant's voice would come back
    loud enough to interrupt it. Exits 0 when the check ran, warnings or not.
    """
    loaded = load_config(profile, config, {}, os.environ)
    for warning in loaded.warnings:
        typer.echo(f"rt: warning: {warning}", err=True)
    # numpy and sounddevice cost 100 ms+ to import; only the audio commands need them.
    from realtime_cli.audio import doctor as checks
    from realtime_cli.audio.devices import (
        list_devices,
        select_device,
        supported_rate,
    )
    from realtime_cli.audio.loopback import play_and_record
    from realtime_cli.cli.stderr_capture import StderrCapture

    found = list_devices()
    if not found:
        raise no_devices_error()
    audio = loaded.settings.audio
    mic = select_device(input_device or audio.input_device, "input", found)
    speaker = select_device(output_device or audio.output_device, "output", found)
    in_channels = min(mic.max_input_channels, 2)
    out_channels = min(speaker.max_output_channels, 2)
    in_rate = supported_rate(mic, "input", in_channels, audio.input_sample_rate)
    out_rate = supported_rate(speaker, "output", out_channels, audio.output_sample_rate)
    if not json_output:
        typer.echo(f"input:  {_device_line(mic, in_rate, in_channels)}")
        typer.echo(f"output: {_device_line(speaker, out_rate, out_channels)}")
        typer.echo(
            f"rt: listening for {seconds:g} s (speak to check your level), then playing a "
            "test chirp",
            err=True,
        )

    played = checks.chirp(out_rate)
    # ALSA's own stderr lines (underruns) would flood the report: counted, shown with --debug.
    with StderrCapture() as noise:
        recording = play_and_record(
            mic,
            speaker,
            played,
            input_rate=in_rate,
            output_rate=out_rate,
            lead_s=seconds,
            tail_s=ECHO_WINDOW_S,
        )
    for line in noise.lines if debug else ():
        typer.echo(f"rt: debug: sound library: {line}", err=True)
    samples = recording.samples
    listen_end = min(samples.size, max(0, math.floor(recording.signal_start)))
    listening = checks.measure_level(samples[:listen_end], in_rate)
    whole = checks.measure_level(samples, in_rate)
    echo = checks.find_echo(
        samples,
        checks.chirp(in_rate),
        in_rate,
        start=recording.signal_start,
        max_latency_s=ECHO_WINDOW_S,
    )
    played_dbfs = checks.measure_level(played, out_rate).rms_dbfs
    advice = checks.recommend(echo, played_dbfs, whole)
    warnings = checks.microphone_warnings(listening, whole, echo)
    if recording.input_overflows:
        warnings.append(
            f"the input dropped audio {_count(recording.input_overflows, 'time')}: the latency "
            "figure may be off"
        )
    if noise.count:
        warnings.append(
            f"the sound library printed {_count(noise.count, 'message')} of its own"
            " (--debug shows them)"
        )
    if recording.output_underflows:
        warnings.append(
            f"the output ran dry {_count(recording.output_underflows, 'time')}: playback on this "
            "device stutters, and the latency figure is unreliable"
        )

    speech_echo = (
        None
        if echo.level_dbfs is None
        else checks.predicted_speech_echo_dbfs(echo.level_dbfs, played_dbfs)
    )
    cancellation = _measure_cancellation(mic, speaker, in_rate, out_rate) if echo.heard else None
    if json_output:
        report: dict[str, Any] = {
            "profile": loaded.profile,
            "input": _device_json(mic, in_rate, in_channels),
            "output": _device_json(speaker, out_rate, out_channels),
            "microphone": {
                "seconds": round(listening.seconds, 3),
                "rms_dbfs": round(listening.rms_dbfs, 1),
                "peak_dbfs": round(listening.peak_dbfs, 1),
                "all_zeros": whole.all_zeros,
                "silent_before_chirp": listening.all_zeros,
                "clipped": whole.clipped,
                "overflows": recording.input_overflows,
            },
            "chirp": {
                "from_hz": checks.CHIRP_FROM_HZ,
                "to_hz": checks.CHIRP_TO_HZ,
                "seconds": checks.CHIRP_SECONDS,
                "rms_dbfs": round(played_dbfs, 1),
                "underflows": recording.output_underflows,
            },
            "echo": {
                "heard": echo.heard,
                "latency_ms": _rounded(echo.latency_s, 1000.0, 2),
                "level_dbfs": _rounded(echo.level_dbfs, 1.0, 1),
                "gain_db": (
                    round(checks.dbfs(echo.gain), 1) if echo.heard and echo.gain > 0 else None
                ),
                "snr_db": round(echo.snr_db, 1),
                "speech_echo_dbfs": _rounded(speech_echo, 1.0, 1),
                "speech_echo_peak_dbfs": _rounded(
                    None if speech_echo is None else speech_echo + checks.SPEECH_PEAK_OVER_RMS_DB,
                    1.0,
                    1,
                ),
            },
            "echo_cancellation": (
                None
                if cancellation is None
                else {
                    "echo_peak_dbfs": round(cancellation.echo_peak_dbfs, 1),
                    "residual_peak_dbfs": _rounded(cancellation.residual_peak_dbfs, 1.0, 1),
                    "mode": cancellation.mode,
                    "message": cancellation.message,
                }
            ),
            "barge_in_dbfs": checks.BARGE_IN_DBFS,
            "recommendation": {
                "action": advice.action,
                "message": advice.message,
                "lower_by_db": advice.lower_by_db,
            },
            "warnings": warnings,
        }
        typer.echo(json.dumps(report))
        return

    typer.echo(
        f"microphone: {listening.rms_dbfs:.1f} dBFS RMS, {listening.peak_dbfs:.1f} dBFS peak "
        f"over {listening.seconds:.1f} s"
    )
    if echo.heard and echo.latency_s is not None and echo.level_dbfs is not None:
        typer.echo(
            f"echo: heard after a {echo.latency_s * 1000:.1f} ms round trip, at "
            f"{echo.level_dbfs:.1f} dBFS (chirp played at {played_dbfs:.1f} dBFS; "
            f"{echo.snr_db:.0f} dB above the noise)"
        )
    else:
        typer.echo("echo: the test chirp was not heard")
    typer.echo(f"advice: {advice.message}")
    if cancellation is not None:
        residual = cancellation.residual_peak_dbfs
        after = "no canceller" if residual is None else f"{residual:.1f} dBFS after cancellation"
        typer.echo(
            f"echo cancellation: speech echo peaks at {cancellation.echo_peak_dbfs:.1f} dBFS, "
            f"{after}; use --echo {cancellation.mode}"
            if cancellation.mode != "headphones"
            else "echo cancellation: not enough; use headphones"
        )
        typer.echo(f"advice: {cancellation.message}")
    for warning in warnings:
        typer.echo(f"rt: warning: {warning}", err=True)


#: What the assistant says for the echo-cancellation check (about 3 s of synthetic speech).
_TEST_SPEECH = "This is rt checking how much of its own voice your microphone hears."


def _measure_cancellation(mic: Any, speaker: Any, in_rate: int, out_rate: int) -> Any:
    """Play synthetic speech, record it, and run the recording through `--echo aec`."""
    import numpy as np

    from realtime_cli.audio import doctor as checks
    from realtime_cli.audio.echo_canceller import GATE_DB, Aec3Canceller, CancellerUnavailableError
    from realtime_cli.audio.loopback import play_and_record
    from realtime_cli.audio.resample import make_resampler
    from realtime_cli.emulator.synth import speak

    speech = speak(_TEST_SPEECH).samples.astype(np.float32) / 32768.0
    played = make_resampler(24000, out_rate).process(speech)
    recording = play_and_record(
        mic, speaker, played, input_rate=in_rate, output_rate=out_rate, lead_s=0.2, tail_s=0.5
    )
    near = make_resampler(in_rate, 24000).process(recording.samples)
    start = round(recording.signal_start * 24000 / in_rate)
    reference = np.zeros(near.size, dtype=np.float32)
    take = max(0, min(speech.size, near.size - start))
    reference[start : start + take] = speech[:take]
    try:
        canceller: Any = Aec3Canceller()
    except CancellerUnavailableError:
        canceller = None
    return checks.measure_cancellation(near, reference, canceller, gate_db=GATE_DB)


def _rounded(value: float | None, scale: float, digits: int) -> float | None:
    return None if value is None else round(value * scale, digits)


def _count(n: int, noun: str) -> str:
    """`1 time`, `50 times`."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _device_line(device: DeviceInfo, rate: int, channels: int) -> str:
    return f"{device.index} {device.name} ({device.hostapi}), {rate} Hz, {channels} ch"


def _device_json(device: DeviceInfo, rate: int, channels: int) -> dict[str, Any]:
    return {
        "index": device.index,
        "name": device.name,
        "hostapi": device.hostapi,
        "rate": rate,
        "channels": channels,
    }
