"""TOML configuration profiles: find, merge, validate and explain rt's settings.

Typical use::

    settings = load_settings(profile="semantic-vad", overrides={"voice": "cedar"}, env=os.environ)
    key = api_key(settings, os.environ)
    session = session_config(settings)  # the GA `session` object for session.update

The shipped profiles live in the repository's `configs/` folder, installed as
`realtime_cli/config/profiles/`.
"""

from __future__ import annotations

from realtime_cli.config.errors import ConfigError
from realtime_cli.config.load import (
    CONFIG_ENV,
    DEFAULT_PROFILE,
    ENV_SETTINGS,
    PROFILE_ENV,
    LoadedConfig,
    api_key,
    available_profiles,
    config_path,
    display_path,
    load_config,
    load_settings,
    selected_profile,
    shipped_profiles,
    user_config_path,
)
from realtime_cli.config.render import REDACTED, settings_toml, starter_toml
from realtime_cli.config.session_builder import build_session, realtime_session, session_config
from realtime_cli.config.settings import (
    AudioSettings,
    FunctionTool,
    Settings,
    TranscriptionSettings,
    VadSettings,
)
from realtime_cli.config.toml_writer import dumps as toml_dumps

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_PROFILE",
    "ENV_SETTINGS",
    "PROFILE_ENV",
    "REDACTED",
    "AudioSettings",
    "ConfigError",
    "FunctionTool",
    "LoadedConfig",
    "Settings",
    "TranscriptionSettings",
    "VadSettings",
    "api_key",
    "available_profiles",
    "build_session",
    "config_path",
    "display_path",
    "load_config",
    "load_settings",
    "realtime_session",
    "selected_profile",
    "session_config",
    "settings_toml",
    "shipped_profiles",
    "starter_toml",
    "toml_dumps",
    "user_config_path",
]
