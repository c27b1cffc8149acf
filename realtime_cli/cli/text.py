"""`rt text`: one text response over the realtime websocket, streamed to stdout."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from realtime_cli.cli.calls import resolve
from realtime_cli.cli.options import (
    ConfigFile,
    Debug,
    Instructions,
    JsonOutput,
    LogAudio,
    LogFile,
    Model,
    Profile,
)
from realtime_cli.errors import RtError, UsageError

__all__ = ["text"]


#: Seconds the whole answer may take by default, connecting included.
DEFAULT_TIMEOUT = 60.0


def _read_prompt(prompt: str | None) -> str:
    from realtime_cli.cli.text_input import argument_text, stdin_text

    if prompt is None and sys.stdin.isatty():
        raise UsageError("give a prompt, or '-' to read it from standard input")
    if prompt is None or prompt == "-":
        prompt = stdin_text()
    else:
        prompt = argument_text(prompt, "the prompt")
    if not prompt.strip():
        raise UsageError("the prompt is empty")
    return prompt


def text(
    prompt: Annotated[
        str | None,
        typer.Argument(
            metavar="[PROMPT|-]",
            help="The prompt; '-' (or none, with stdin not a terminal) reads stdin.",
        ),
    ] = None,
    instructions: Instructions = None,
    model: Model = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            min=0.1,
            help="Give up when the whole answer, connecting included, takes longer "
            "(connecting alone gives up after at most 10 s).",
        ),
    ] = DEFAULT_TIMEOUT,
    json_output: JsonOutput = False,
    log: LogFile = None,
    log_audio: LogAudio = False,
    profile: Profile = None,
    config: ConfigFile = None,
    debug: Debug = False,
) -> None:
    """Ask for a text response and stream it to stdout (status and errors go to stderr).

    Examples:

      rt text "What is the capital of Norway?"

      git diff | rt text -i @review.txt -
    """
    import asyncio  # here, not at the top: `rt text --help` need not load it

    from realtime_cli.cli.connect import open_event_log
    from realtime_cli.cli.text_answer import ask, log_debug_to_stderr

    if debug:
        log_debug_to_stderr()
    from realtime_cli.cli.text_input import option_text

    resolved = resolve(
        profile,
        config,
        {"model": model, "instructions": option_text(instructions, "--instructions")},
    )
    question = _read_prompt(prompt)
    from realtime_cli.cli.output_paths import check_outputs, stopped_writing

    check_outputs({"--log": log})
    event_log = open_event_log(log, log_audio=log_audio, secrets=resolved.secrets)
    try:
        asyncio.run(ask(resolved, question, json_output, event_log, timeout))
    except KeyboardInterrupt:
        typer.echo("", err=True)  # end the answer's line; main() says "interrupted"
        raise
    finally:
        if event_log is not None:
            event_log.close()
    if event_log is not None and event_log.write_error is not None:
        raise RtError(stopped_writing(log, event_log.write_error))
