"""The answer half of `rt text`: the websocket conversation and its output. Imported when the
command runs, so `rt --help` does not pay for the transport."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import TextIO

from realtime_cli.cli.connect import Resolved
from realtime_cli.errors import RtError
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
from realtime_cli.transport.handshake import DEFAULT_OPEN_TIMEOUT

__all__ = ["AnswerTimeout", "ResponseFailed", "ask", "log_debug_to_stderr"]

#: Seconds a polite close may take before the connection is dropped.
CLOSE_GRACE = 2.0


class ResponseFailed(RtError):
    """The service answered with an error or a failed response (exit code 1)."""


class AnswerTimeout(RtError):
    """No complete answer within `--timeout` seconds (exit code 1)."""


class _CurrentStderr(logging.StreamHandler[TextIO]):
    """Writes to `sys.stderr` as it is at each record: `rt talk` points it elsewhere while it
    captures file descriptor 2, and rt's own lines must not be captured with the rest."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def log_debug_to_stderr() -> None:
    """Show rt's own debug log on stderr (for --debug)."""
    handler = _CurrentStderr(sys.stderr)
    handler.setFormatter(logging.Formatter("rt: debug: %(message)s"))
    logger = logging.getLogger("realtime_cli")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    # websockets' own frame-by-frame log (under this name) stays quiet; --log records frames.
    logging.getLogger("realtime_cli.transport.ws").setLevel(logging.INFO)


class _Output:
    """Where the answer goes; remembers whether a line of text is left open."""

    def __init__(self, out: TextIO, json_output: bool) -> None:
        self.out = out
        self.json_output = json_output
        self.line_open = False

    def write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()
        self.line_open = not text.endswith("\n")

    def end_line(self) -> None:
        """Close a partial line, so that what follows (an error on stderr) starts clean."""
        if self.line_open:
            self.write("\n")


async def ask(
    resolved: Resolved,
    question: str,
    json_output: bool,
    event_log: EventLog | None,
    timeout: float,
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    options = resolved.connect_options(open_timeout=min(DEFAULT_OPEN_TIMEOUT, timeout))
    conn = await RealtimeConnection.connect(options, event_log=event_log)
    output = _Output(sys.stdout, json_output)
    try:
        async with asyncio.timeout_at(deadline):
            await _converse(conn, resolved, question, output)
    except TimeoutError:
        output.end_line()
        # The peer has stopped responding: a polite close would wait for it too.
        await conn.abort()
        raise AnswerTimeout(
            f"timed out after {timeout:g} s waiting for the answer (the server stopped "
            "responding or is too slow; --timeout sets the limit)"
        ) from None
    except BaseException:
        output.end_line()
        raise
    finally:
        await _hang_up(conn)


async def _hang_up(conn: RealtimeConnection) -> None:
    try:
        async with asyncio.timeout(CLOSE_GRACE):
            await conn.close()
    except TimeoutError:
        await conn.abort()


async def _converse(
    conn: RealtimeConnection, resolved: Resolved, question: str, output: _Output
) -> None:
    settings = resolved.settings
    await conn.send(ConversationItemCreate(item=MessageItem.user_text(question)))
    params = ResponseCreateParams(output_modalities=["text"])
    if settings.instructions is not None:
        params.instructions = settings.instructions
    await conn.send(ResponseCreate(response=params))
    reported: set[str] = set()
    async for event in conn:
        if output.json_output:
            output.write(encode_server_event(event).decode() + "\n")
        if isinstance(event, UnknownServerEvent):
            continue
        if isinstance(event, ResponseOutputTextDelta) and not output.json_output:
            output.write(event.delta)
        elif isinstance(event, Error):
            if conn.cause_of(event) is not None:  # our question or its response.create
                raise ResponseFailed(f"the service answered: {event.error.message}")
            # The service's other errors (a server_error) are not fatal: the response goes
            # on, or ends failed, and its response.done says so.
            output.end_line()
            print(f"rt: warning: the service reported: {event.error.message}", file=sys.stderr)
            reported.add(event.error.message)
        elif isinstance(event, ResponseDone):
            output.end_line()
            _check_done(event, reported)
            return
    # Iteration ends quietly only after a close this client asked for; none was.
    raise ResponseFailed("the connection ended before the answer was complete")


def _check_done(event: ResponseDone, reported: set[str]) -> None:
    status = event.response.status
    details = event.response.status_details
    reason = getattr(details, "reason", None)
    if status == "failed":
        error = getattr(details, "error", None)
        message = getattr(error, "message", None) or "no reason given"
        if message in reported:
            raise ResponseFailed("the response failed (the service's message is above)")
        raise ResponseFailed(f"the response failed: {message}")
    if status == "cancelled":
        raise ResponseFailed(f"the response was cancelled ({reason or 'no reason given'})")
    if status == "incomplete":
        print(f"rt: warning: the response is incomplete ({reason or 'no reason'})", file=sys.stderr)
