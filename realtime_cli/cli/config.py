"""`rt config`: show the resolved settings, find the config file, write a starter one."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from realtime_cli.cli.command_group import WholeSummaryGroup
from realtime_cli.cli.options import ConfigFile, Debug, Profile
from realtime_cli.config import (
    DEFAULT_PROFILE,
    ConfigError,
    available_profiles,
    config_path,
    display_path,
    load_config,
    selected_profile,
    settings_toml,
    starter_toml,
)
from realtime_cli.config.toml_writer import toml_string

__all__ = ["config_app"]

config_app = typer.Typer(
    name="config",
    cls=WholeSummaryGroup,
    help="Show and create rt's TOML configuration profiles.",
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,
)

# `rt config path` does not depend on the profile; it accepts --profile, hidden, so that every
# `rt config` command takes the same options.
UnusedProfile = Annotated[str | None, typer.Option("--profile", "-p", hidden=True)]


@config_app.command("show")
def show(profile: Profile = None, config: ConfigFile = None, debug: Debug = False) -> None:
    """Print a profile's resolved settings as TOML (API key redacted)."""
    loaded = load_config(profile, config, {}, os.environ)
    for warning in loaded.warnings:
        typer.echo(f"rt: warning: {warning}", err=True)
    if debug:
        typer.echo(f"rt: debug: config file {_described(loaded.config_path)}", err=True)
    header = "\n".join(
        [f"rt settings of profile {toml_string(loaded.profile)}, from (later wins):"]
        + [f"  {source}" for source in loaded.sources]
    )
    typer.echo(settings_toml(loaded.settings, header=header), nl=False)


@config_app.command("path")
def path(profile: UnusedProfile = None, config: ConfigFile = None, debug: Debug = False) -> None:
    """Print the config file's path (whether it exists: on stderr)."""
    file = config_path(config, os.environ)
    typer.echo(str(file))
    typer.echo(f"rt: {_described(file)}", err=True)


@config_app.command("init")
def init(profile: Profile = None, config: ConfigFile = None, debug: Debug = False) -> None:
    """Write a commented starter config file; never overwrites one."""
    file = config_path(config, os.environ)
    shown = display_path(file)
    text = starter_toml(profile or DEFAULT_PROFILE)
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL makes "does not exist yet" and "create it" one step, so a file that appears
        # in between is not overwritten; 0600 because people do put keys in this file.
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(f"{shown} already exists; not overwriting it") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot create it: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    typer.echo(f"rt: wrote {shown}; edit it, then check it with `rt config show`", err=True)


@config_app.command("profiles")
def profiles(profile: Profile = None, config: ConfigFile = None, debug: Debug = False) -> None:
    """List the profiles; `*` marks the one that would be used."""
    current = selected_profile(profile, config, os.environ)
    listing = available_profiles(config, os.environ)
    width = max(len(name) for name in listing)
    for name, origin in listing.items():
        mark = "*" if name == current else " "
        typer.echo(f"{mark} {name:<{width}}  ({origin})")


def _described(file: Path) -> str:
    shown = display_path(file)
    if file.is_file():
        return f"{shown} exists"
    return f"{shown} does not exist (`rt config init` creates it)"
