"""`rt talk`: a live, full-duplex voice conversation (or a headless one on WAV files)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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

if TYPE_CHECKING:
    pass

__all__ = ["talk"]

#: The built-in voice (a profile or $RT_VOICE may choose another).
DEFAULT_VOICE = "marin"
_VAD = {"server": "server_vad", "semantic": "semantic_vad", "none": "none"}
_ECHO_MODES = ("aec", "gate", "off")
#: Silence after a WAV input, so that server VAD hears the end of the last utterance.
TRAILING_SILENCE_S = 1.5


def _device(value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def talk(
    voice: Annotated[
        str | None,
        typer.Option(
            "--voice", metavar="VOICE", help=f"Assistant voice (default: {DEFAULT_VOICE})."
        ),
    ] = None,
    model: Model = None,
    instructions: Instructions = None,
    vad: Annotated[
        str | None,
        typer.Option(
            "--vad",
            metavar="server|semantic|none",
            help="Turn detection (default: server): server, semantic or none (push-to-talk: "
            "hold or press SPACE; with --input-file the whole file is one turn).",
        ),
    ] = None,
    transcribe: Annotated[
        str | None,
        typer.Option(
            "--transcribe",
            metavar="MODEL",
            help="Show what you say, transcribed by MODEL (e.g. gpt-4o-mini-transcribe); "
            "off unless the profile sets one.",
        ),
    ] = None,
    no_barge_in: Annotated[
        bool, typer.Option("--no-barge-in", help="Do not stop the assistant when you speak.")
    ] = False,
    echo: Annotated[
        str | None,
        typer.Option(
            "--echo",
            metavar="MODE",
            help="Speaker echo in the microphone: aec (cancel it, the default), gate (mute the"
            " microphone while the assistant speaks; interrupt with a key) or off (headphones).",
        ),
    ] = None,
    no_reconnect: Annotated[
        bool,
        typer.Option("--no-reconnect", help="End, rather than reconnect, when the link drops."),
    ] = False,
    input_device: Annotated[
        str | None,
        typer.Option(
            "--input-device", metavar="DEVICE", help="Microphone: index or name part (rt devices)."
        ),
    ] = None,
    output_device: Annotated[
        str | None,
        typer.Option(
            "--output-device", metavar="DEVICE", help="Speaker: index or name part (rt devices)."
        ),
    ] = None,
    input_file: Annotated[
        Path | None,
        typer.Option(
            "--input-file", metavar="FILE.wav", dir_okay=False, help="A WAV file as the microphone."
        ),
    ] = None,
    output_file: Annotated[
        Path | None,
        typer.Option(
            "--output-file",
            metavar="FILE.wav",
            dir_okay=False,
            help="Write what would be played to WAV.",
        ),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            "--record",
            metavar="FILE.wav",
            dir_okay=False,
            help="Stereo WAV: left you, right the assistant.",
        ),
    ] = None,
    plain: Annotated[
        bool,
        typer.Option(
            "--plain",
            help="One plain line per utterance (the default when stdout is not a terminal).",
        ),
    ] = False,
    max_seconds: Annotated[
        float | None,
        typer.Option("--max-seconds", metavar="SECONDS", min=0.1, help="End after this long."),
    ] = None,
    transcript: Annotated[
        Path | None,
        typer.Option(
            "--transcript",
            metavar="FILE.md|FILE.jsonl",
            dir_okay=False,
            help="Write the conversation when it ends: Markdown or JSON lines, by extension.",
        ),
    ] = None,
    approve: Annotated[
        str,
        typer.Option(
            "--approve",
            metavar="MODE",
            help="Tool confirmations and MCP approvals: ask (y/n on screen), always or never.",
        ),
    ] = "ask",
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
    """Hold a spoken conversation; Ctrl-C ends it with a summary.

    Examples:

      rt talk --voice cedar --transcribe gpt-4o-mini-transcribe

      rt talk --vad none        (push-to-talk: hold SPACE)

      rt talk --input-file question.wav --output-file answer.wav --plain
    """
    from realtime_cli.cli.questions import APPROVE_POLICIES
    from realtime_cli.cli.text_input import option_text

    if vad is not None and vad not in _VAD:
        raise UsageError(f"--vad must be server, semantic or none, got {vad!r}")
    if approve not in APPROVE_POLICIES:
        raise UsageError(f"--approve must be ask, always or never, got {approve!r}")
    if echo is not None and echo not in _ECHO_MODES:
        raise UsageError(f"--echo must be aec, gate or off, got {echo!r}")
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
            "audio.echo": echo,
        },
    )
    if input_file is not None and not input_file.is_file():
        raise UsageError(f"--input-file {input_file}: no such file")
    from realtime_cli.cli.output_paths import check_outputs

    if transcript is not None and transcript.suffix.lower() not in (".md", ".jsonl"):
        raise UsageError(f"--transcript {transcript}: name a .md or a .jsonl file")
    check_outputs(
        {"--output-file": output_file, "--record": record, "--log": log, "--transcript": transcript}
    )
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
    elif input_file is None and sys.stdin.isatty():
        key_fd = sys.stdin.fileno()  # for `q`
    import asyncio  # here, not at the top: `rt talk --help` need not load it

    from realtime_cli.cli.connect import open_event_log
    from realtime_cli.cli.stderr_capture import StderrCapture
    from realtime_cli.cli.talk_tools import talk_tools

    tools, questions = talk_tools(resolved.settings, approve)
    if key_fd is None and questions.can_ask and (tools or resolved.settings.mcp):
        key_fd = sys.stdin.fileno()  # y/n answers and `c` (cancel a running tool)
    event_log = open_event_log(log, log_audio=log_audio, secrets=resolved.secrets)
    noise = StderrCapture()
    if debug:
        from realtime_cli.cli.text_answer import log_debug_to_stderr

        log_debug_to_stderr()
    try:
        noise.start()
        asyncio.run(
            _talk(
                resolved,
                noise,
                input_file=input_file,
                output_file=output_file,
                record=record,
                transcript=transcript,
                plain=plain or not sys.stdout.isatty(),
                auto_barge_in=not no_barge_in,
                reconnect=not no_reconnect,
                max_seconds=max_seconds,
                event_log=event_log,
                push_to_talk=push_to_talk,
                key_fd=key_fd,
                tools=tools,
                questions=questions,
                history=history,
            )
        )
    finally:
        noise.stop()
        if event_log is not None:
            event_log.close()
        if debug and noise.count:
            for line in noise.lines:
                typer.echo(f"rt: debug: sound library: {line}", err=True)
            # The summary counted up to its own moment; the library may go on until exit.
            later = noise.count - noise.marked
            typer.echo(
                f"rt: debug: {noise.count} sound library lines in all"
                + (f", {later} after the summary" if later else "")
                + (
                    f", the last {len(noise.lines)} shown" if len(noise.lines) < noise.count else ""
                ),
                err=True,
            )


async def _talk(
    resolved: Any,
    noise: Any,
    *,
    input_file: Path | None,
    output_file: Path | None,
    record: Path | None,
    transcript: Path | None,
    plain: bool,
    auto_barge_in: bool,
    reconnect: bool,
    max_seconds: float | None,
    event_log: Any,
    push_to_talk: bool,
    key_fd: int | None,
    tools: list[Any],
    questions: Any,
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
    # Only a live speaker can echo into a live microphone.
    echo = (
        _echo_control(audio.echo, frame_samples)
        if input_file is None and output_file is None
        else None
    )
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
            echo=echo,
        )
    if output_file is not None:
        speaker = WavSpeaker(output_file, prebuffer_s=audio.prebuffer_ms / 1000, recorder=recorder)
    else:
        speaker = SoundDeviceSpeaker(
            audio.output_device,
            rate=audio.output_sample_rate,
            prebuffer_s=audio.prebuffer_ms / 1000,
            recorder=recorder,
            far_end=echo.reference if echo is not None else None,
        )
    if echo is not None and echo.mode == "gate" and key_fd is None and sys.stdin.isatty():
        key_fd = sys.stdin.fileno()  # half duplex: a key interrupts the assistant
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
        transcript=transcript,
        library_noise=noise,
        sinks=[sink for sink in (recorder, speaker if output_file else None) if sink is not None],
        close_callbacks=[recorder.close] if recorder is not None else [],
        push_to_talk=push_to_talk,
        key_fd=key_fd,
        tools=tools,
        questions=questions,
        echo=echo,
        history=history,
    )
    await run.run()


def _echo_control(mode: Any, frame_samples: int) -> Any:
    """The microphone's echo control for `audio.echo` (validated by the settings)."""
    from realtime_cli.audio.echo_canceller import BLOCK
    from realtime_cli.audio.echo_control import EchoControl

    if mode != "off" and frame_samples % BLOCK:
        raise UsageError(
            f"audio.frame_ms must be a multiple of 10 with --echo {mode} "
            f"(got {frame_samples // 24}); use --echo off with headphones"
        )
    return EchoControl.for_mode(
        mode, warn=lambda line: print(f"rt: warning: {line}", file=sys.stderr)
    )
