"""Finding, reading, merging and validating rt's TOML profiles.

Layers, lowest first: built-in defaults (the `Settings` field defaults), the shipped profile
(`configs/NAME.toml`), the user's `[profiles.NAME]` table, environment variables, then explicit
overrides (command-line flags). Tables merge key by key; arrays (`tools`) are replaced whole.
Each layer is validated on its own before merging, so an error names the file or variable
that holds the bad value.
"""

from __future__ import annotations

import logging
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

import msgspec

from realtime_cli.config.errors import (
    ConfigError,
    KeyPath,
    format_key_path,
    show_value,
    toml_error,
    validation_error,
)
from realtime_cli.config.settings import Settings
from realtime_cli.config.toml_writer import toml_string

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_PROFILE",
    "ENV_SETTINGS",
    "PROFILE_ENV",
    "LoadedConfig",
    "api_key",
    "available_profiles",
    "config_path",
    "display_path",
    "load_config",
    "load_settings",
    "selected_profile",
    "shipped_profiles",
    "user_config_path",
]

log = logging.getLogger(__name__)

#: Selects the config file, like `--config`.
CONFIG_ENV: Final = "RT_CONFIG"
#: Selects the profile, like `--profile`.
PROFILE_ENV: Final = "RT_PROFILE"
#: Environment variables that set one setting each (variable -> setting).
ENV_SETTINGS: Final[Mapping[str, str]] = {
    "RT_MODEL": "model",
    "RT_VOICE": "voice",
    "OPENAI_BASE_URL": "base_url",
    "OPENAI_WEBSOCKET_BASE_URL": "websocket_base_url",
}
#: The profile used when neither `--profile`, `RT_PROFILE` nor `default_profile` names one.
DEFAULT_PROFILE: Final = "default"

_FILE_KEYS = ("default_profile", "profiles")
_SHIPPED_PACKAGE = "realtime_cli.config"


@dataclass(frozen=True)
class LoadedConfig:
    """The result of resolving a profile: the settings and how they came about."""

    settings: Settings
    #: The profile that was selected.
    profile: str
    #: The user's config file that was consulted (it may not exist).
    config_path: Path
    #: The layers that contributed, lowest precedence first, for `--debug` and `config show`.
    sources: tuple[str, ...]
    #: Problems worth telling the user that do not stop rt (a key file others can read).
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _UserFile:
    path: Path
    display: str
    default_profile: str | None
    profiles: dict[str, dict[str, Any]]


def user_config_path(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/rt/config.toml`, or `~/.config/rt/config.toml` when it is unset."""
    env = os.environ if env is None else env
    xdg = env.get("XDG_CONFIG_HOME", "")
    # The XDG spec says a relative value is invalid and must be ignored.
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "rt" / "config.toml"
    home = env.get("HOME") or str(Path.home())
    return Path(home) / ".config" / "rt" / "config.toml"


def config_path(config_file: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The config file rt reads: `config_file` (`--config`), else `$RT_CONFIG`, else the
    user's file."""
    env = os.environ if env is None else env
    if config_file is not None:
        return config_file
    if from_env := env.get(CONFIG_ENV):
        return Path(from_env).expanduser()
    return user_config_path(env)


def display_path(path: Path, env: Mapping[str, str] | None = None) -> str:
    """`path` for messages, with the home directory shortened to `~`."""
    env = os.environ if env is None else env
    home = env.get("HOME")
    if home and path.is_absolute() and path.is_relative_to(home):
        return str(Path("~") / path.relative_to(home))
    return str(path)


def shipped_profiles() -> dict[str, Traversable]:
    """The profiles shipped with rt (the repository's `configs/`), by name."""
    root = resources.files(_SHIPPED_PACKAGE) / "profiles"
    return {
        entry.name.removesuffix(".toml"): entry
        for entry in root.iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    }


def available_profiles(
    config_file: Path | None = None, env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Every profile name and where it is defined (`shipped`, `user` or `shipped, user`)."""
    env = os.environ if env is None else env
    user = _read_user_file(config_path(config_file, env), _explicit(config_file, env), env)
    shipped = shipped_profiles()
    names = sorted(set(shipped) | set(user.profiles if user else ()))
    return {
        name: ", ".join(
            origin
            for origin, present in (
                ("shipped", name in shipped),
                ("user", user is not None and name in user.profiles),
            )
            if present
        )
        for name in names
    }


def selected_profile(
    profile: str | None = None,
    config_file: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """The profile `load_config` would use: `profile`, else `$RT_PROFILE`, else the file's
    `default_profile`, else "default". Raises `ConfigError` listing the known ones."""
    env = os.environ if env is None else env
    user = _read_user_file(config_path(config_file, env), _explicit(config_file, env), env)
    return _pick_profile(profile, env, user, shipped_profiles())


def load_config(
    profile: str | None = None,
    config_file: Path | None = None,
    overrides: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> LoadedConfig:
    """Resolve a profile into `Settings` and report where they came from.

    `profile` and `config_file` are the `--profile` and `--config` values (None when not
    given). `overrides` maps setting paths (`"voice"`, `"vad.type"`) to values from command-line
    flags; None values are skipped so optional flags can be passed as they are. `env` defaults
    to `os.environ`; pass a mapping for a call that reads nothing but the files.
    Raises `ConfigError` with a one-line message.
    """
    env = os.environ if env is None else env
    path = config_path(config_file, env)
    user = _read_user_file(path, _explicit(config_file, env), env)
    shipped = shipped_profiles()
    name = _pick_profile(profile, env, user, shipped)

    layers: list[dict[str, Any]] = []
    sources = ["built-in defaults"]
    if name in shipped:
        resource = shipped[name]
        source = str(resource)
        raw = _parse_toml(resource.read_bytes(), source)
        _validate(raw, source)
        _refuse_programs(raw, source)
        layers.append(raw)
        sources.append(f"shipped profile {source}")
    if user is not None and name in user.profiles:
        raw = user.profiles[name]
        _validate(raw, user.display, ("profiles", name))
        layers.append(raw)
        sources.append(f"{user.display} [{format_key_path(('profiles', name))}]")

    from_env: dict[str, Any] = {}
    for variable, key in ENV_SETTINGS.items():
        # An empty variable counts as unset, as `VAR= rt ...` is the usual way to unset one.
        if value := env.get(variable):
            _validate({key: value}, "environment", label=variable)
            from_env[key] = value
    if from_env:
        layers.append(from_env)
        names = ", ".join(var for var, key in ENV_SETTINGS.items() if key in from_env)
        sources.append(f"environment ({names})")

    flags = _nest(overrides or {})
    if flags:
        _validate(flags, "command line")
        layers.append(flags)
        sources.append("command line")

    merged: dict[str, Any] = {}
    for layer in layers:
        merged = _deep_merge(merged, layer)
    settings = _validate(merged, f"profile {toml_string(name)}")
    return LoadedConfig(
        settings=settings,
        profile=name,
        config_path=path,
        sources=tuple(sources),
        warnings=_key_file_warnings(user),
    )


def load_settings(
    profile: str | None = None,
    config_file: Path | None = None,
    overrides: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """`load_config(...).settings`, with its warnings sent to the `realtime_cli.config.load`
    logger. Precedence: overrides > environment > user profile > shipped profile > defaults."""
    loaded = load_config(profile, config_file, overrides, env)
    for warning in loaded.warnings:
        log.warning("%s", warning)
    return loaded.settings


def api_key(settings: Settings, env: Mapping[str, str] | None = None) -> str:
    """The API key: the variable named by `settings.api_key_env`, else the profile's `api_key`.

    Raises `ConfigError` naming the variable when neither holds a key, so rt fails before it
    opens a connection. The key itself never appears in a message.
    """
    env = os.environ if env is None else env
    variable = settings.api_key_env
    value = env.get(variable)
    if value is not None and value.strip():
        return value.strip()
    if settings.api_key:
        return settings.api_key
    state = "is not set" if value is None else "is empty"
    raise ConfigError(
        f"environment variable {variable} {state}: export your OpenAI API key in it "
        f"(or set api_key_env in your profile to the variable that holds it)"
    )


def _explicit(config_file: Path | None, env: Mapping[str, str]) -> bool:
    return config_file is not None or bool(env.get(CONFIG_ENV))


def _read_user_file(path: Path, explicit: bool, env: Mapping[str, str]) -> _UserFile | None:
    shown = display_path(path, env)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if explicit:
            raise ConfigError(f"{shown}: no such file") from None
        return None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read it: {exc.strerror or exc}") from exc
    document = _parse_toml(data, shown)
    for key in document:
        if key not in _FILE_KEYS:
            hint = (
                "; settings go in a [profiles.NAME] table"
                if key in Settings.__struct_fields__
                else f" (known top-level keys: {', '.join(_FILE_KEYS)})"
            )
            raise ConfigError(f"{shown}: {format_key_path((key,))}: unknown key{hint}")
    default_profile = document.get("default_profile")
    if default_profile is not None and not (isinstance(default_profile, str) and default_profile):
        raise ConfigError(
            f"{shown}: default_profile: expected a profile name, got {show_value(default_profile)}"
        )
    profiles = document.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(
            f"{shown}: profiles: expected a table of [profiles.NAME] tables, "
            f"got {show_value(profiles)}"
        )
    for name, table in profiles.items():
        if not isinstance(table, dict):
            where = format_key_path(("profiles", name))
            raise ConfigError(f"{shown}: {where}: expected a table, got {show_value(table)}")
    return _UserFile(path, shown, default_profile, profiles)


def _parse_toml(data: bytes, source: str) -> dict[str, Any]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: not UTF-8 text (bad byte at offset {exc.start})") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise toml_error(source, exc, text) from exc


def _pick_profile(
    profile: str | None,
    env: Mapping[str, str],
    user: _UserFile | None,
    shipped: Mapping[str, Traversable],
) -> str:
    if profile is not None:
        name, where = profile, ""
    elif from_env := env.get(PROFILE_ENV):
        name, where = from_env, f"{PROFILE_ENV}: "
    elif user is not None and user.default_profile is not None:
        name, where = user.default_profile, f"{user.display}: default_profile: "
    else:
        name, where = DEFAULT_PROFILE, ""
    known = set(shipped) | set(user.profiles if user else ())
    if name not in known:
        available = ", ".join(sorted(known))
        raise ConfigError(
            f"{where}unknown profile {toml_string(name)}; available profiles: {available}"
        )
    return name


def _validate(
    raw: Mapping[str, Any], source: str, prefix: KeyPath = (), *, label: str | None = None
) -> Settings:
    try:
        settings = msgspec.convert(raw, Settings)
    except msgspec.ValidationError as exc:
        raise validation_error(source, exc, raw, Settings, prefix, label=label) from exc
    seen: set[str] = set()
    for index, tool in enumerate(settings.function_tools):
        if tool.name in seen:
            where = format_key_path((*prefix, "tools", index, "name"))
            raise ConfigError(f"{source}: {where}: duplicate tool name {tool.name!r}")
        seen.add(tool.name)
    return settings


def _refuse_programs(raw: Mapping[str, Any], source: str) -> None:
    """Command tools and MCP servers run things with the user's rights: only the user's own
    config file may define them, never a shipped profile."""
    if isinstance(raw.get("tools"), Mapping) or raw.get("mcp"):
        raise ConfigError(
            f"{source}: command tools and MCP servers may only come from your own config file"
        )


def _nest(overrides: Mapping[str, object]) -> dict[str, Any]:
    """`{"vad.type": "none"}` -> `{"vad": {"type": "none"}}`, dropping None values."""
    nested: dict[str, Any] = {}
    for dotted, value in overrides.items():
        if value is None:
            continue
        *parents, leaf = dotted.split(".")
        table = nested
        for part in parents:
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                raise ConfigError(f"command line: {dotted}: {part} is not a table")
        table[leaf] = value
    return nested


def _deep_merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = _deep_merge(below, value)
        else:
            merged[key] = value
    return merged


def _key_file_warnings(user: _UserFile | None) -> tuple[str, ...]:
    if user is None or os.name == "nt":
        return ()
    if not any("api_key" in table for table in user.profiles.values()):
        return ()
    try:
        mode = stat.S_IMODE(user.path.stat().st_mode)
    except OSError:
        return ()
    if not mode & (stat.S_IRGRP | stat.S_IROTH):
        return ()
    return (
        f"{user.display} contains an api_key and others can read it (mode {mode:04o}); "
        f"run: chmod 600 {user.display}",
    )
