"""From command-line options to a resolved profile and the options of a connection."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import typer

from realtime_cli.config import Settings, api_key, load_config
from realtime_cli.errors import UsageError
from realtime_cli.transport import ConnectOptions, EventLog

__all__ = ["Resolved", "open_event_log", "resolve"]


@dataclass(frozen=True)
class Resolved:
    """A command's settings and the key to use with them."""

    settings: Settings
    api_key: str

    @property
    def secrets(self) -> tuple[str, ...]:
        """Everything to scrub from what rt writes: the key and the MCP header values."""
        from realtime_cli.config.mcp_servers import mcp_secrets

        return (self.api_key, *mcp_secrets(self.settings.mcp, os.environ))

    def connect_options(self, **extra: object) -> ConnectOptions:
        """Websocket connection options for these settings."""
        return ConnectOptions(
            api_key=self.api_key,
            model=self.settings.model,
            base_url=self.settings.base_url,
            websocket_base_url=self.settings.websocket_base_url,
            **extra,  # type: ignore[arg-type]
        )


def resolve(
    profile: str | None, config: Path | None, overrides: Mapping[str, object] | None = None
) -> Resolved:
    """Load the profile (flags > environment > profile > defaults) and find the API key.

    Warnings go to stderr; a mistake raises `ConfigError` (exit 2) before anything connects.
    """
    loaded = load_config(profile, config, overrides or {}, os.environ)
    for warning in loaded.warnings:
        typer.echo(f"rt: warning: {warning}", err=True)
    return Resolved(loaded.settings, api_key(loaded.settings, os.environ))


def open_event_log(
    path: Path | None, *, log_audio: bool, secrets: tuple[str, ...]
) -> EventLog | None:
    """The `--log FILE.jsonl` traffic log, with the key (and other secrets) scrubbed, or
    None."""
    if path is None:
        return None
    try:
        return EventLog.open(path, log_audio=log_audio, secrets=secrets)
    except OSError as exc:
        raise UsageError(f"--log {path}: cannot write there ({exc.strerror or exc})") from None
