"""`rt sdp-offer` and `rt call ...`: WebRTC signalling and SIP call control over REST."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from realtime_cli.cli.command_group import WholeSummaryGroup
from realtime_cli.cli.options import (
    DEFAULT_REST_TIMEOUT,
    ConfigFile,
    Debug,
    JsonOutput,
    Model,
    Profile,
    RestTimeout,
)
from realtime_cli.errors import RtError, UsageError

if TYPE_CHECKING:
    from realtime_cli.cli.connect import Resolved
    from realtime_cli.protocol import RealtimeSession
    from realtime_cli.transport import RestClient

# Commands import the transport and the configuration when they run: `rt --help` stays fast.

__all__ = ["call_app", "resolve", "run_rest", "sdp_offer", "session_of"]

T = TypeVar("T")

call_app = typer.Typer(
    name="call",
    cls=WholeSummaryGroup,
    help="Control a WebRTC or SIP call by its id.",
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,
)

CallId = Annotated[str, typer.Argument(metavar="CALL_ID", help="The call's id (rtc_...).")]


def resolve(
    profile: str | None, config: Path | None, overrides: dict[str, object] | None = None
) -> Resolved:
    """`realtime_cli.cli.connect.resolve`, imported when a command runs."""
    from realtime_cli.cli.connect import resolve as resolve_profile

    return resolve_profile(profile, config, overrides)


def session_of(resolved: Resolved) -> RealtimeSession:
    """The GA session object of the resolved profile."""
    from realtime_cli.config import realtime_session

    return realtime_session(resolved.settings)


def run_rest(
    resolved: Resolved,
    action: Callable[[RestClient], Awaitable[T]],
    timeout: float = DEFAULT_REST_TIMEOUT,
) -> T:
    """Run one REST action with a client for the resolved profile, within `timeout` seconds."""
    import asyncio

    from realtime_cli.transport import RestClient
    from realtime_cli.transport.urls import display_url

    async def go() -> T:
        async with RestClient(
            api_key=resolved.api_key, base_url=resolved.settings.base_url, timeout=timeout
        ) as client:
            try:
                async with asyncio.timeout(timeout):
                    return await action(client)
            except TimeoutError:
                where = display_url(resolved.settings.base_url)
                if client.retrying is not None:  # it answered, but not yet with success
                    raise RtError(
                        f"gave up after {timeout:g} s: {where} answered {client.retrying} and "
                        "rt was waiting to retry (--timeout sets the limit)"
                    ) from None
                raise RtError(
                    f"no answer from {where} within {timeout:g} s (--timeout sets the limit)"
                ) from None

    return asyncio.run(go())  # Ctrl-C: KeyboardInterrupt, exit 130 from main()


def _read_sdp(source: str | None) -> str:
    from realtime_cli.cli.text_input import argument_text, file_text, stdin_text

    if source is None and sys.stdin.isatty():
        raise UsageError("give an SDP offer file, or '-' to read it from standard input")
    if source is None or source == "-":
        sdp = stdin_text()
    else:
        source = argument_text(source, "the SDP offer's file name")
        sdp = file_text(Path(source), f"the SDP offer {source}")
    if not sdp.strip():
        raise UsageError("the SDP offer is empty")
    return sdp


def sdp_offer(
    offer: Annotated[
        str | None, typer.Argument(metavar="[FILE|-]", help="The SDP offer; '-' reads stdin.")
    ] = None,
    with_session: Annotated[
        bool,
        typer.Option("--with-session", help="Send the profile's session settings with it."),
    ] = False,
    model: Model = None,
    json_output: JsonOutput = False,
    timeout: RestTimeout = DEFAULT_REST_TIMEOUT,
    profile: Profile = None,
    config: ConfigFile = None,
    debug: Debug = False,
) -> None:
    """Post a WebRTC SDP offer: the answer goes to stdout, `call_id: ...` to stderr."""
    resolved = resolve(profile, config, {"model": model})
    sdp = _read_sdp(offer)
    session = session_of(resolved) if with_session else None
    answer = run_rest(resolved, lambda client: client.create_call(sdp, session), timeout)
    if json_output:
        typer.echo(json.dumps({"call_id": answer.call_id, "sdp": answer.sdp}))
        return
    sys.stdout.write(answer.sdp if answer.sdp.endswith("\n") else answer.sdp + "\n")
    typer.echo(f"call_id: {answer.call_id}", err=True)


@call_app.command("hangup")
def hangup(
    call_id: CallId,
    timeout: RestTimeout = DEFAULT_REST_TIMEOUT,
    profile: Profile = None,
    config: ConfigFile = None,
    debug: Debug = False,
) -> None:
    """Hang up a call."""
    resolved = resolve(profile, config)
    run_rest(resolved, lambda client: client.hangup_call(call_id), timeout)
    typer.echo(f"call {call_id}: hung up")


@call_app.command("accept")
def accept(
    call_id: CallId,
    model: Model = None,
    timeout: RestTimeout = DEFAULT_REST_TIMEOUT,
    profile: Profile = None,
    config: ConfigFile = None,
    debug: Debug = False,
) -> None:
    """Accept an incoming SIP call with the profile's session settings."""
    resolved = resolve(profile, config, {"model": model})
    session = session_of(resolved)
    run_rest(resolved, lambda client: client.accept_call(call_id, session), timeout)
    typer.echo(f"call {call_id}: accepted")


@call_app.command("reject")
def reject(
    call_id: CallId,
    status_code: Annotated[
        int | None,
        typer.Option(
            "--status-code", metavar="CODE", min=100, max=699, help="SIP status (default: 603)."
        ),
    ] = None,
    timeout: RestTimeout = DEFAULT_REST_TIMEOUT,
    profile: Profile = None,
    config: ConfigFile = None,
    debug: Debug = False,
) -> None:
    """Reject an incoming SIP call."""
    resolved = resolve(profile, config)
    run_rest(resolved, lambda client: client.reject_call(call_id, status_code), timeout)
    shown = f" with SIP {status_code}" if status_code is not None else ""
    typer.echo(f"call {call_id}: rejected{shown}")


@call_app.command("refer")
def refer(
    call_id: CallId,
    target: Annotated[
        str, typer.Option("--target", metavar="URI", help="Where to transfer: tel:... or sip:...")
    ],
    timeout: RestTimeout = DEFAULT_REST_TIMEOUT,
    profile: Profile = None,
    config: ConfigFile = None,
    debug: Debug = False,
) -> None:
    """Transfer a SIP call (SIP REFER)."""
    if not target.startswith(("tel:", "sip:", "sips:")):
        raise UsageError(f"--target must be a tel:, sip: or sips: URI, got {target!r}")
    resolved = resolve(profile, config)
    run_rest(resolved, lambda client: client.refer_call(call_id, target), timeout)
    typer.echo(f"call {call_id}: referred to {target}")
