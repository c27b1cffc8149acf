"""`rt replay LOG.jsonl`: show a recorded conversation again, or check it for anomalies."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from realtime_cli.cli.options import Debug
from realtime_cli.errors import RtError, UsageError

if TYPE_CHECKING:
    from realtime_cli.audio import Speaker

__all__ = ["replay"]


def replay(
    log: Annotated[
        Path,
        typer.Argument(
            metavar="LOG.jsonl", help="A log written by `rt talk --log` (or `rt text --log`)."
        ),
    ],
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Do not replay: feed the recorded server events through the conversation "
            "core and list anomalies (unknown items, errors and their causes, truncations "
            "beyond the audio, overlapping responses); exit 1 if there are any.",
        ),
    ] = False,
    speed: Annotated[
        float,
        typer.Option(
            "--speed",
            metavar="N",
            min=0.0,
            help="Replay N times faster than recorded; 0 shows everything at once.",
        ),
    ] = 1.0,
    plain: Annotated[
        bool, typer.Option("--plain", help="One line per utterance instead of the live screen.")
    ] = False,
    output_file: Annotated[
        Path | None,
        typer.Option(
            "--output-file",
            metavar="FILE.wav",
            dir_okay=False,
            help="Write the assistant's audio (logged with --log-audio) to a WAV file "
            "instead of the speaker.",
        ),
    ] = None,
    output_device: Annotated[
        str | None,
        typer.Option("--output-device", metavar="DEVICE", help="Speaker: index or name part."),
    ] = None,
    debug: Debug = False,
) -> None:
    """Replay a `--log` recording in the live screen or as plain lines, with its audio.

    Examples:

      rt replay session.jsonl --plain --speed 0

      rt replay session.jsonl --check
    """
    from realtime_cli.cli.output_paths import check_distinct, check_outputs
    from realtime_cli.core.log_replay import has_audio
    from realtime_cli.core.traffic_check import check_traffic
    from realtime_cli.transport.event_log_reader import read_event_log

    if output_file is not None:
        check_distinct({"LOG.jsonl": log, "--output-file": output_file})
        check_outputs({"--output-file": output_file})
    frames = read_event_log(log)
    if not any(frame.direction is not None for frame in frames):
        raise UsageError(
            f"{log} is not an rt log: none of its {len(frames)} lines is a logged event "
            "(record one with `rt talk --log FILE.jsonl`)"
        )
    if check:
        anomalies = check_traffic(frames)
        for anomaly in anomalies:
            print(anomaly)
        served = sum(1 for f in frames if f.direction == "recv")
        print(
            f"rt: {len(frames)} lines, {served} server events, {len(anomalies)} anomalies",
            file=sys.stderr,
        )
        raise typer.Exit(1 if anomalies else 0)
    speaker = None
    if has_audio(frames):
        speaker = _speaker(output_file, output_device, speed)
    elif output_file is not None:
        raise UsageError(f"{log} holds no audio: record it with `rt talk --log-audio`")
    from realtime_cli.cli.replay_run import ReplayRun

    plain = plain or not sys.stdout.isatty()
    try:
        asyncio.run(ReplayRun(frames, plain=plain, speed=speed, speaker=speaker).run())
    except OSError as exc:
        raise RtError(f"replay failed: {exc.strerror or exc}") from exc


def _speaker(output_file: Path | None, device: str | None, speed: float) -> Speaker | None:
    from realtime_cli.audio import SoundDeviceSpeaker, WavSpeaker

    if output_file is not None:
        # The file holds the audio as heard, whatever the pace of the screen.
        return WavSpeaker(output_file, pacing="fast")
    if speed != 1.0:
        print("rt: audio is played only at --speed 1 (or use --output-file)", file=sys.stderr)
        return None
    return SoundDeviceSpeaker(device)
