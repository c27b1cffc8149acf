"""`rt talk`: a live, full-duplex voice conversation (or a headless one on WAV files)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from realtime_cli.cli.calls import resolve, session_of
from realtime_cli.cli.options import (
    ConfigFile,
    Debug,
    Instructions,
    LogAudio,
    LogFile,
    Model,
    Profile,
)
from realtime_cli.errors import UsageError

__all__ = ["talk"]

_VAD = {"server": "server_vad", "semantic": "semantic_vad", "none": "none"}
#: Silence after a WAV input, so that server VAD hears the end of the last utterance.
TRAILING_SILENCE_S = 1.5


def _device(value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def talk(
    voice: Annotated[str | None, typer.Option("--voice", help="Assistant voice.")] = None,
    model: Model = None,
    instructions: Instructions = None,
    vad: Annotated[
        str | None,
        typer.Option(
            "--vad",
            help="Turn detection: server, semantic or none (push-to-talk: hold or press SPACE;"
            " with --input-file the whole file is one turn).",
        ),
    ] = None,
    transcribe: Annotated[
        str | None, typer.Option("--transcribe", metavar="MODEL", help="Transcribe the user.")
    ] = None,
    no_barge_in: Annotated[
        bool, typer.Option("--no-barge-in", help="Do not stop the assistant when you speak.")
    ] = False,
    no_reconnect: Annotated[
        bool,
        typer.Option("--no-reconnect", help="End, rather than reconnect, when the link drops."),
    ] = False,
    input_device: Annotated[
        str | None, typer.Option("--input-device", help="Microphone: index or name part.")
    ] = None,
    output_device: Annotated[
        str | None, typer.Option("--output-device", help="Speaker: index or name part.")
    ] = None,
    input_file: Annotated[
        Path | None,
        typer.Option("--input-file", dir_okay=False, help="A WAV file as the microphone."),
    ] = None,
    output_file: Annotated[
        Path | None,
        typer.Option("--output-file", dir_okay=False, help="Write what would be played to WAV."),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option("--record", dir_okay=False, help="Stereo WAV: left you, right the assistant."),
    ] = None,
    plain: Annotated[bool, typer.Option("--plain", help="One plain line per utterance.")] = False,
    max_seconds: Annotated[
        float | None, typer.Option("--max-seconds", min=0.1, help="End after this long.")
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(
            "--resume",
            metavar="FILE",
            dir_okay=False,
            help="Start with an earlier conversation: its --log file or JSON-lines "
            "--transcript (interrupted answers as far as they were heard).",
        ),
    ] = None,
    log: LogFile = None,
    log_audio: LogAudio = False,
    profile: Profile = None,
    config: ConfigFile = None,
    debug: Debug = False,
) -> None:
    """Hold a spoken conversation; Ctrl-C ends it with a summary."""
    from realtime_cli.cli.text_input import option_text

    if vad is not None and vad not in _VAD:
        raise UsageError(f"--vad must be server, semantic or none, got {vad!r}")
    resolved = resolve(
        profile,
        config,
        {
            "voice": voice,
            "model": model,
            "instructions": option_text(instructions, "--instructions"),
            "vad.type": _VAD[vad] if vad else None,
            "transcription.model": transcribe,
            "audio.input_device": _device(input_device),
            "audio.output_device": _device(output_device),
        },
    )
    if input_file is not None and not input_file.is_file():
        raise UsageError(f"--input-file {input_file}: no such file")
    from realtime_cli.cli.output_paths import check_outputs

    check_outputs({"--output-file": output_file, "--record": record, "--log": log})
    history: list[tuple[str, str]] = []
    if resume is not None:
        from realtime_cli.cli.resume_source import load_history

        history = load_history(resume)
    push_to_talk = resolved.settings.vad.type == "none"
    key_fd: int | None = None
    if push_to_talk and input_file is None:
        if not sys.stdin.isatty():
            raise UsageError(
                "push-to-talk (--vad none) reads the talk key from a terminal, and stdin is not "
                "one; use --input-file to send a WAV file as one turn"
            )
        key_fd = sys.stdin.fileno()
    from realtime_cli.cli.connect import open_event_log
    from realtime_cli.cli.stderr_capture import StderrCapture

    event_log = open_event_log(log, log_audio=log_audio, secret=resolved.api_key)
    noise = StderrCapture()
    try:
        noise.start()
        asyncio.run(
            _talk(
                resolved,
                noise,
                input_file=input_file,
                output_file=output_file,
                record=record,
                plain=plain or not sys.stdout.isatty(),
                auto_barge_in=not no_barge_in,
                reconnect=not no_reconnect,
                max_seconds=max_seconds,
                event_log=event_log,
                push_to_talk=push_to_talk,
                key_fd=key_fd,
                history=history,
            )
        )
    finally:
        noise.stop()
        if event_log is not None:
            event_log.close()
        if debug:
            for line in noise.lines:
                typer.echo(f"rt: debug: sound library: {line}", err=True)


async def _talk(
    resolved: Any,
    noise: Any,
    *,
    input_file: Path | None,
    output_file: Path | None,
    record: Path | None,
    plain: bool,
    auto_barge_in: bool,
    reconnect: bool,
    max_seconds: float | None,
    event_log: Any,
    push_to_talk: bool,
    key_fd: int | None,
    history: list[tuple[str, str]],
) -> None:
    # Imported here: numpy, sounddevice and rich cost ~150 ms, which `rt --help` need not pay.
    from realtime_cli.audio import (
        SoundDeviceMicrophone,
        SoundDeviceSpeaker,
        StereoRecorder,
        WavMicrophone,
        WavSpeaker,
    )
    from realtime_cli.cli.talk_loop import TalkRun

    settings = resolved.settings
    audio = settings.audio
    frame_samples = audio.frame_ms * 24
    recorder = StereoRecorder(record) if record is not None else None
    microphone: Any
    speaker: Any
    if input_file is not None:
        microphone = WavMicrophone(
            input_file,
            frame_samples=frame_samples,
            trailing_silence_s=TRAILING_SILENCE_S,
            recorder=recorder,
        )
    else:
        microphone = SoundDeviceMicrophone(
            audio.input_device,
            rate=audio.input_sample_rate,
            frame_samples=frame_samples,
            recorder=recorder,
        )
    if output_file is not None:
        speaker = WavSpeaker(output_file, prebuffer_s=audio.prebuffer_ms / 1000, recorder=recorder)
    else:
        speaker = SoundDeviceSpeaker(
            audio.output_device,
            rate=audio.output_sample_rate,
            prebuffer_s=audio.prebuffer_ms / 1000,
            recorder=recorder,
        )
    files = [p for p in (output_file, record) if p is not None]
    run = TalkRun(
        options=resolved.connect_options(),
        session=session_of(resolved),
        microphone=microphone,
        speaker=speaker,
        plain=plain,
        auto_barge_in=auto_barge_in,
        reconnect=reconnect,
        headless=input_file is not None,
        max_seconds=max_seconds,
        event_log=event_log,
        files=files,
        library_noise=noise,
        sinks=[sink for sink in (recorder, speaker if output_file else None) if sink is not None],
        close_callbacks=[recorder.close] if recorder is not None else [],
        push_to_talk=push_to_talk,
        key_fd=key_fd,
        history=history,
    )
    await run.run()
