"""`rt text`: one text response over the realtime websocket, streamed to stdout."""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated

import typer

from realtime_cli.cli.connect import Resolved, open_event_log, resolve
from realtime_cli.cli.options import (
    ConfigFile,
    Debug,
    JsonOutput,
    LogAudio,
    LogFile,
    Model,
    Profile,
)
from realtime_cli.errors import RtError, UsageError
from realtime_cli.protocol import (
    ConversationItemCreate,
    Error,
    MessageItem,
    ResponseCreate,
    ResponseCreateParams,
    ResponseDone,
    ResponseOutputTextDelta,
    UnknownServerEvent,
    encode_server_event,
)
from realtime_cli.transport import EventLog, RealtimeConnection

__all__ = ["text"]


class ResponseFailed(RtError):
    """The service answered with an error or a failed response (exit code 1)."""


def _read_prompt(prompt: str | None) -> str:
    if prompt is None and sys.stdin.isatty():
        raise UsageError("give a prompt, or '-' to read it from standard input")
    if prompt is None or prompt == "-":
        prompt = sys.stdin.read()
    if not prompt.strip():
        raise UsageError("the prompt is empty")
    return prompt


def text(
    prompt: Annotated[
        str | None,
        typer.Argument(help="The prompt; '-' (or none, with stdin not a terminal) reads stdin."),
    ] = None,
    instructions: Annotated[
        str | None, typer.Option("--instructions", "-i", help="System instructions.")
    ] = None,
    model: Model = None,
    json_output: JsonOutput = False,
    log: LogFile = None,
    log_audio: LogAudio = False,
    profile: Profile = None,
    config: ConfigFile = None,
    debug: Debug = False,
) -> None:
    """Ask for a text response and stream it to stdout (status and errors go to stderr)."""
    resolved = resolve(profile, config, {"model": model, "instructions": instructions})
    question = _read_prompt(prompt)
    event_log = open_event_log(log, log_audio=log_audio, secret=resolved.api_key)
    try:
        asyncio.run(_ask(resolved, question, json_output, event_log))
    except KeyboardInterrupt:
        typer.echo("", err=True)
        typer.echo("rt: interrupted", err=True)
        raise typer.Exit(130) from None
    finally:
        if event_log is not None:
            event_log.close()


async def _ask(
    resolved: Resolved, question: str, json_output: bool, event_log: EventLog | None
) -> None:
    settings = resolved.settings
    out = sys.stdout
    wrote_text = False
    async with RealtimeConnection.connect(resolved.connect_options(), event_log=event_log) as conn:
        await conn.send(ConversationItemCreate(item=MessageItem.user_text(question)))
        params = ResponseCreateParams(output_modalities=["text"])
        if settings.instructions is not None:
            params.instructions = settings.instructions
        await conn.send(ResponseCreate(response=params))
        async for event in conn:
            if json_output:
                out.write(encode_server_event(event).decode() + "\n")
                out.flush()
            if isinstance(event, UnknownServerEvent):
                continue
            if isinstance(event, ResponseOutputTextDelta) and not json_output:
                out.write(event.delta)
                out.flush()
                wrote_text = True
            elif isinstance(event, Error):
                raise ResponseFailed(f"the service answered: {event.error.message}")
            elif isinstance(event, ResponseDone):
                if wrote_text:
                    out.write("\n")
                    out.flush()
                _check_done(event)
                return


def _check_done(event: ResponseDone) -> None:
    status = event.response.status
    details = event.response.status_details
    reason = getattr(details, "reason", None)
    if status == "failed":
        error = getattr(details, "error", None)
        message = getattr(error, "message", None) or "no reason given"
        raise ResponseFailed(f"the response failed: {message}")
    if status == "cancelled":
        raise ResponseFailed(f"the response was cancelled ({reason or 'no reason given'})")
    if status == "incomplete":
        typer.echo(f"rt: warning: the response is incomplete ({reason or 'no reason'})", err=True)
