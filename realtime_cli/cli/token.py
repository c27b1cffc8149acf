"""`rt token`: mint an ephemeral client secret for a browser or a device."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from realtime_cli.cli.calls import resolve, run_rest, session_of
from realtime_cli.cli.options import (
    DEFAULT_REST_TIMEOUT,
    ConfigFile,
    Debug,
    JsonOutput,
    Model,
    Profile,
    RestTimeout,
)

__all__ = ["token"]


def token(
    expires_in: Annotated[
        int | None,
        typer.Option(
            "--expires-in", min=10, max=7200, metavar="SECONDS", help="Lifetime (default: 600)."
        ),
    ] = None,
    model: Model = None,
    json_output: JsonOutput = False,
    timeout: RestTimeout = DEFAULT_REST_TIMEOUT,
    profile: Profile = None,
    config: ConfigFile = None,
    debug: Debug = False,
) -> None:
    """Print an ephemeral key (ek_...) for the profile's session; --json adds its expiry.

    Example: rt token --expires-in 300 --json
    """
    resolved = resolve(profile, config, {"model": model})
    session = session_of(resolved)
    secret = run_rest(
        resolved, lambda client: client.create_client_secret(session, expires_in), timeout
    )
    if json_output:
        typer.echo(json.dumps({"value": secret.value, "expires_at": secret.expires_at}))
    else:
        typer.echo(secret.value)
