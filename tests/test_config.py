"""Configuration profiles: loading, precedence, validation messages, rendering, wire shape."""

from __future__ import annotations

import logging
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from realtime_cli.config import (
    REDACTED,
    ConfigError,
    FunctionTool,
    Settings,
    TranscriptionSettings,
    VadSettings,
    api_key,
    available_profiles,
    config_path,
    load_config,
    load_settings,
    session_config,
    settings_toml,
    shipped_profiles,
    starter_toml,
    toml_dumps,
    user_config_path,
)
from realtime_cli.config.errors import format_key_path
from realtime_cli.errors import UsageError

SHIPPED = ("default", "text-only", "semantic-vad", "push-to-talk")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment with no rt or OpenAI variables and a private config home."""
    return {"HOME": str(tmp_path / "home"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}


def write_user_config(env: dict[str, str], text: str, mode: int = 0o600) -> Path:
    path = Path(env["XDG_CONFIG_HOME"]) / "rt" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def config_error(excinfo: pytest.ExceptionInfo[ConfigError]) -> str:
    message = excinfo.value.message
    assert "\n" not in message, "error messages are one line"
    return message


# --- shipped profiles -------------------------------------------------------------------------


def test_shipped_profiles_are_installed_with_the_package() -> None:
    assert set(SHIPPED) <= set(shipped_profiles())


@pytest.mark.parametrize("name", SHIPPED)
def test_each_shipped_profile_loads_validates_and_is_commented(
    name: str, env: dict[str, str]
) -> None:
    resource = shipped_profiles()[name]
    text = resource.read_text(encoding="utf-8")
    assert text.startswith("#"), "shipped profiles explain themselves"
    raw = tomllib.loads(text)
    assert raw, "a shipped profile sets something"
    loaded = load_config(name, None, {}, env)
    assert loaded.profile == name
    assert loaded.sources == ("built-in defaults", f"shipped profile {resource}")


def test_default_profile_equals_builtin_defaults(env: dict[str, str]) -> None:
    # configs/default.toml documents the built-in defaults; they must not drift apart.
    assert load_settings(None, None, {}, env) == Settings()


def test_shipped_profiles_set_what_their_names_promise(env: dict[str, str]) -> None:
    text_only = load_settings("text-only", None, {}, env)
    assert text_only.output_modality == "text"
    assert session_config(text_only)["output_modalities"] == ["text"]

    semantic = load_settings("semantic-vad", None, {}, env)
    assert session_config(semantic)["audio"]["input"]["turn_detection"] == {
        "type": "semantic_vad",
        "eagerness": "auto",
        "create_response": True,
        "interrupt_response": True,
    }

    push_to_talk = load_settings("push-to-talk", None, {}, env)
    wire = session_config(push_to_talk)
    assert "turn_detection" in wire["audio"]["input"]
    assert wire["audio"]["input"]["turn_detection"] is None


# --- file location ----------------------------------------------------------------------------


def test_user_config_path_prefers_xdg_then_home(tmp_path: Path) -> None:
    assert user_config_path({"XDG_CONFIG_HOME": "/x", "HOME": "/h"}) == Path("/x/rt/config.toml")
    assert user_config_path({"HOME": "/h"}) == Path("/h/.config/rt/config.toml")
    # The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
    assert user_config_path({"XDG_CONFIG_HOME": "rel", "HOME": "/h"}) == Path(
        "/h/.config/rt/config.toml"
    )


def test_config_file_flag_beats_rt_config_beats_user_file(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": "/x", "RT_CONFIG": "/from/env.toml"}
    assert config_path(Path("/flag.toml"), env) == Path("/flag.toml")
    assert config_path(None, env) == Path("/from/env.toml")
    assert config_path(None, {"XDG_CONFIG_HOME": "/x", "RT_CONFIG": ""}) == Path(
        "/x/rt/config.toml"
    )


def test_rt_config_selects_the_file(tmp_path: Path, env: dict[str, str]) -> None:
    other = tmp_path / "other.toml"
    other.write_text('[profiles.default]\nvoice = "sage"\n', encoding="utf-8")
    assert load_settings(None, None, {}, {**env, "RT_CONFIG": str(other)}).voice == "sage"
    assert load_settings(None, other, {}, env).voice == "sage"


def test_missing_user_file_is_fine_but_a_named_file_must_exist(
    tmp_path: Path, env: dict[str, str]
) -> None:
    assert load_settings(None, None, {}, env) == Settings()
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, missing, {}, env)
    assert config_error(excinfo) == f"{missing}: no such file"


# --- precedence -------------------------------------------------------------------------------


PROFILE_TEXT = """
[profiles.default]
voice = "cedar"
model = "model-from-profile"
base_url = "http://profile.example/v1"
"""


@pytest.mark.parametrize(
    ("profile", "env_voice", "flag_voice", "expected"),
    [
        (False, None, None, "marin"),  # built-in default
        (True, None, None, "cedar"),  # profile > default
        (True, "ash", None, "ash"),  # environment > profile
        (True, "ash", "verse", "verse"),  # flag > environment
        (False, None, "verse", "verse"),  # flag > default
    ],
)
def test_precedence_flag_env_profile_default(
    env: dict[str, str],
    profile: bool,
    env_voice: str | None,
    flag_voice: str | None,
    expected: str,
) -> None:
    if profile:
        write_user_config(env, PROFILE_TEXT)
    if env_voice is not None:
        env["RT_VOICE"] = env_voice
    settings = load_settings(None, None, {"voice": flag_voice}, env)
    assert settings.voice == expected


def test_each_environment_variable_sets_its_setting(env: dict[str, str]) -> None:
    write_user_config(env, PROFILE_TEXT)
    env |= {
        "RT_MODEL": "model-from-env",
        "OPENAI_BASE_URL": "http://localhost:8080/v1",
        "OPENAI_WEBSOCKET_BASE_URL": "ws://localhost:8080/v1",
    }
    loaded = load_config(None, None, {}, env)
    assert loaded.settings.model == "model-from-env"
    assert loaded.settings.base_url == "http://localhost:8080/v1"
    assert loaded.settings.websocket_base_url == "ws://localhost:8080/v1"
    assert loaded.settings.voice == "cedar"  # untouched by the environment
    assert loaded.sources[-1] == (
        "environment (RT_MODEL, OPENAI_BASE_URL, OPENAI_WEBSOCKET_BASE_URL)"
    )


def test_empty_environment_variables_count_as_unset(env: dict[str, str]) -> None:
    write_user_config(env, PROFILE_TEXT)
    env |= {"RT_MODEL": "", "RT_VOICE": "", "RT_PROFILE": "", "OPENAI_BASE_URL": ""}
    settings = load_settings(None, None, {}, env)
    assert (settings.model, settings.voice) == ("model-from-profile", "cedar")
    assert settings.base_url == "http://profile.example/v1"


def test_profile_selection_flag_env_file_default(env: dict[str, str]) -> None:
    write_user_config(
        env,
        """
        default_profile = "from-file"
        [profiles.from-file]
        voice = "alloy"
        [profiles.from-env]
        voice = "echo"
        [profiles.from-flag]
        voice = "coral"
        """,
    )
    assert load_config(None, None, {}, env).profile == "from-file"
    env["RT_PROFILE"] = "from-env"
    assert load_config(None, None, {}, env).profile == "from-env"
    loaded = load_config("from-flag", None, {}, env)
    assert (loaded.profile, loaded.settings.voice) == ("from-flag", "coral")


def test_user_profile_overrides_shipped_one_key_by_key(env: dict[str, str]) -> None:
    path = write_user_config(
        env,
        """
        [profiles.semantic-vad]
        voice = "ballad"
        [profiles.semantic-vad.vad]
        eagerness = "high"
        """,
    )
    loaded = load_config("semantic-vad", None, {}, env)
    vad = loaded.settings.vad
    assert (vad.type, vad.eagerness) == ("semantic_vad", "high")  # type from shipped file
    assert loaded.settings.voice == "ballad"
    assert loaded.settings.output_modality == "audio"  # built-in default
    assert loaded.sources[2] == f"{path} [profiles.semantic-vad]"


def test_a_new_user_profile_builds_on_the_defaults_not_on_default(env: dict[str, str]) -> None:
    write_user_config(
        env,
        """
        [profiles.default]
        voice = "cedar"
        [profiles.quiet]
        speed = 0.8
        """,
    )
    quiet = load_settings("quiet", None, {}, env)
    assert (quiet.speed, quiet.voice) == (0.8, "marin")


def test_overrides_take_dotted_paths_and_skip_none(env: dict[str, str]) -> None:
    settings = load_settings(
        "semantic-vad",
        None,
        {"vad.type": "server_vad", "vad.threshold": 0.9, "speed": None, "audio.frame_ms": 40},
        env,
    )
    assert (settings.vad.type, settings.vad.threshold) == ("server_vad", 0.9)
    assert settings.speed == 1.0
    assert settings.audio.frame_ms == 40


def test_tools_arrays_are_replaced_not_merged(tmp_path: Path, env: dict[str, str]) -> None:
    write_user_config(
        env,
        """
        [[profiles.default.tools]]
        name = "a"
        [[profiles.default.tools]]
        name = "b"
        """,
    )
    settings = load_settings(None, None, {"tools": [{"name": "c"}]}, env)
    assert [tool.name for tool in settings.tools] == ["c"]


# --- errors -----------------------------------------------------------------------------------


def test_config_error_is_a_usage_error_with_exit_code_2() -> None:
    assert issubclass(ConfigError, UsageError)
    assert ConfigError("x").exit_code == 2


def test_unknown_profile_lists_the_available_ones(env: dict[str, str]) -> None:
    write_user_config(env, "[profiles.mine]\n")
    with pytest.raises(ConfigError) as excinfo:
        load_settings("nope", None, {}, env)
    assert config_error(excinfo) == (
        'unknown profile "nope"; available profiles: '
        "default, mine, push-to-talk, semantic-vad, text-only"
    )


def test_unknown_profile_names_where_it_was_chosen(env: dict[str, str]) -> None:
    path = write_user_config(env, 'default_profile = "gone"\n')
    with pytest.raises(ConfigError, match=f"^{re.escape(str(path))}: default_profile: unknown"):
        load_settings(None, None, {}, env)
    with pytest.raises(ConfigError, match=r'^RT_PROFILE: unknown profile "zz"'):
        load_settings(None, None, {}, {**env, "RT_PROFILE": "zz"})


def test_out_of_range_value(env: dict[str, str]) -> None:
    path = write_user_config(env, "[profiles.default.vad]\nthreshold = 3\n")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, None, {}, env)
    assert config_error(excinfo) == (
        f"{path}: profiles.default.vad.threshold: expected a number between 0 and 1, got 3"
    )


def test_file_under_home_is_shown_with_a_tilde(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    write_user_config(
        {"XDG_CONFIG_HOME": str(tmp_path / ".config")}, "[profiles.default.vad]\nthreshold = 3\n"
    )
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, None, {}, env)
    assert config_error(excinfo).startswith(
        "~/.config/rt/config.toml: profiles.default.vad.threshold: expected a number"
    )


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('speed = "fast"', 'speed: expected a number between 0.25 and 1.5, got "fast"'),
        ("speed = 2", "speed: expected a number between 0.25 and 1.5, got 2"),
        (
            "max_output_tokens = 5000",
            'max_output_tokens: expected an integer between 1 and 4096 or "inf", got 5000',
        ),
        (
            'output_modality = "both"',
            'output_modality: expected one of "audio", "text", got "both"',
        ),
        (
            'voice = "alloyy"',
            'voice: expected one of "alloy", "ash", "ballad", "cedar", "coral", "echo", '
            '"marin", "sage", "shimmer", "verse", got "alloyy"',
        ),
        ('vad = "none"', 'vad: expected a table, got "none"'),
        ("vad.create_response = 1", "vad.create_response: expected true or false, got 1"),
        (
            "audio.input_device = -1",
            "audio.input_device: expected an integer >= 0 or a non-empty string, got -1",
        ),
        (
            'base_url = "ftp://host"',
            'base_url: expected a URL starting with http(s)://, got "ftp://host"',
        ),
        ("tools = [{ description = 'x' }]", "tools[0].name: missing (this key is required)"),
        ("tools = 3", "tools: expected an array of tables, got 3"),
    ],
)
def test_wrong_value_names_key_path_expected_and_got(
    env: dict[str, str], toml: str, expected: str
) -> None:
    path = write_user_config(env, f"[profiles.default]\n{toml}\n")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, None, {}, env)
    assert config_error(excinfo) == f"{path}: profiles.default.{expected}"


def test_unknown_key_is_named_with_a_suggestion(env: dict[str, str]) -> None:
    path = write_user_config(env, "[profiles.default.vad]\ntreshold = 0.3\n")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, None, {}, env)
    assert config_error(excinfo) == (
        f'{path}: profiles.default.vad.treshold: unknown key (did you mean "threshold"?)'
    )


def test_unknown_key_without_a_close_match_lists_known_keys(env: dict[str, str]) -> None:
    write_user_config(env, '[profiles.default.transcription]\nqqq = "x"\n')
    with pytest.raises(ConfigError, match=r"transcription\.qqq: unknown key \(known keys: model,"):
        load_settings(None, None, {}, env)


def test_setting_outside_a_profile_table_is_explained(env: dict[str, str]) -> None:
    path = write_user_config(env, 'voice = "cedar"\n')
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, None, {}, env)
    assert config_error(excinfo) == (
        f"{path}: voice: unknown key; settings go in a [profiles.NAME] table"
    )


def test_bad_file_structure(env: dict[str, str]) -> None:
    write_user_config(env, "profiles = 3\n")
    with pytest.raises(ConfigError, match="profiles: expected a table of"):
        load_settings(None, None, {}, env)
    write_user_config(env, "default_profile = 3\n")
    with pytest.raises(ConfigError, match="default_profile: expected a profile name, got 3"):
        load_settings(None, None, {}, env)
    write_user_config(env, 'profiles.x = "y"\n')
    with pytest.raises(ConfigError, match=r'profiles\.x: expected a table, got "y"'):
        load_settings("x", None, {}, env)


def test_quoted_profile_names_are_quoted_in_key_paths(env: dict[str, str]) -> None:
    path = write_user_config(env, '[profiles."my prof"]\nspeed = 9\n')
    with pytest.raises(ConfigError) as excinfo:
        load_settings("my prof", None, {}, env)
    assert config_error(excinfo).startswith(f'{path}: profiles."my prof".speed: expected')


def test_malformed_toml_gives_file_line_and_column(env: dict[str, str]) -> None:
    path = write_user_config(env, '[profiles.default]\nvoice = "a"\nspeed = \n')
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, None, {}, env)
    assert config_error(excinfo) == f"{path}:3:9: invalid TOML: invalid value"


def test_malformed_toml_at_end_of_file_still_gives_a_position(env: dict[str, str]) -> None:
    path = write_user_config(env, '[profiles.default]\nvoice = "unterminated')
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, None, {}, env)
    assert config_error(excinfo) == (
        f"{path}:2:22: invalid TOML: unterminated string at end of file"
    )


def test_file_that_is_not_utf8(env: dict[str, str]) -> None:
    path = write_user_config(env, "")
    path.write_bytes(b"voice = '\xff'\n")
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_settings(None, None, {}, env)


def test_environment_errors_name_the_variable(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, None, {}, {**env, "OPENAI_BASE_URL": "localhost:8080"})
    assert config_error(excinfo) == (
        "environment: OPENAI_BASE_URL: expected a URL starting with http(s)://, "
        'got "localhost:8080"'
    )


def test_override_errors_say_command_line(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_settings(None, None, {"vad.threshold": -1.0}, env)
    assert config_error(excinfo) == (
        "command line: vad.threshold: expected a number between 0 and 1, got -1.0"
    )


def test_duplicate_tool_names_are_rejected(env: dict[str, str]) -> None:
    write_user_config(
        env,
        """
        [[profiles.default.tools]]
        name = "same"
        [[profiles.default.tools]]
        name = "same"
        """,
    )
    with pytest.raises(ConfigError, match=r"profiles\.default\.tools\[1\]\.name: duplicate"):
        load_settings(None, None, {}, env)


def test_format_key_path() -> None:
    assert format_key_path(("profiles", "a b", "tools", 0, "name")) == (
        'profiles."a b".tools[0].name'
    )


# --- secrets ----------------------------------------------------------------------------------


def test_api_key_comes_from_the_named_variable(env: dict[str, str]) -> None:
    settings = Settings(api_key_env="MY_KEY")
    assert api_key(settings, {"MY_KEY": " sk-test \n", "OPENAI_API_KEY": "other"}) == "sk-test"


def test_api_key_environment_beats_the_profile(env: dict[str, str]) -> None:
    settings = Settings(api_key="sk-file")
    assert api_key(settings, {"OPENAI_API_KEY": "sk-env"}) == "sk-env"
    assert api_key(settings, {}) == "sk-file"


@pytest.mark.parametrize(("environ", "state"), [({}, "is not set"), ({"K": " "}, "is empty")])
def test_missing_api_key_fails_fast_naming_the_variable(
    environ: dict[str, str], state: str
) -> None:
    with pytest.raises(ConfigError) as excinfo:
        api_key(Settings(api_key_env="K"), environ)
    assert config_error(excinfo).startswith(f"environment variable K {state}")
    assert excinfo.value.exit_code == 2


def test_settings_repr_never_shows_the_key() -> None:
    settings = Settings(api_key="sk-very-secret")
    assert "sk-very-secret" not in repr(settings)
    assert "api_key='***'" in repr(settings)
    assert dict(settings.__rich_repr__())["api_key"] == "***"
    assert "sk-very-secret" not in settings_toml(settings)
    assert f'api_key = "{REDACTED}"' in settings_toml(settings)


@pytest.mark.parametrize(
    ("mode", "warns"), [(0o600, False), (0o640, True), (0o604, True), (0o644, True)]
)
def test_key_in_a_readable_file_warns(env: dict[str, str], mode: int, warns: bool) -> None:
    path = write_user_config(env, '[profiles.other]\napi_key = "sk-x"\n', mode=mode)
    warnings = load_config(None, None, {}, env).warnings
    if warns:
        assert warnings == (
            f"{path} contains an api_key and others can read it (mode {mode:04o}); "
            f"run: chmod 600 {path}",
        )
        assert "sk-x" not in warnings[0]
    else:
        assert warnings == ()


def test_readable_file_without_a_key_does_not_warn(env: dict[str, str]) -> None:
    write_user_config(env, '[profiles.default]\nvoice = "sage"\n', mode=0o644)
    assert load_config(None, None, {}, env).warnings == ()


def test_load_settings_logs_the_warning(
    env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    write_user_config(env, '[profiles.default]\napi_key = "sk-x"\n', mode=0o644)
    with caplog.at_level(logging.WARNING, logger="realtime_cli.config"):
        load_settings(None, None, {}, env)
    assert [r.getMessage() for r in caplog.records if "api_key" in r.getMessage()]


# --- listing ------------------------------------------------------------------------------------


def test_available_profiles_say_where_they_come_from(env: dict[str, str]) -> None:
    write_user_config(env, "[profiles.default]\n[profiles.mine]\n")
    listing = available_profiles(None, env)
    assert listing["default"] == "shipped, user"
    assert listing["mine"] == "user"
    assert listing["push-to-talk"] == "shipped"


# --- TOML rendering ---------------------------------------------------------------------------


TRICKY = [
    "",
    'quote " and backslash \\ and """ triple',
    "line one\nline two\r\nthree\ttab",
    'multi-line with """ inside\nand """" at the end""""',
    "\nstarts with a newline\\\n",
    'ends with a quote"',
    "control \x00 \x1f \x7f chars",
    "unicode: é ü 中文 🎙",
    "'single' and '''triple single'''",
]


def rich_settings() -> Settings:
    return Settings(
        model="gpt-realtime-mini",
        voice="cedar",
        instructions='You are "rt".\nBe brief.\\n is not a newline.\n',
        output_modality="text",
        speed=0.75,
        max_output_tokens=512,
        tool_choice="required",
        base_url="http://localhost:8080/v1",
        websocket_base_url="ws://localhost:8080/v1",
        noise_reduction="far_field",
        vad=VadSettings(type="server_vad", threshold=0.25, idle_timeout_ms=6000),
        transcription=TranscriptionSettings(model="whisper-1", language="de", prompt="Äpfel"),
        tools=(
            FunctionTool(name="plain"),
            FunctionTool(
                name="weather",
                description="Weather for a city",
                parameters={
                    "type": "object",
                    "properties": {
                        "city": {"type": "string", "description": 'a "city"'},
                        "units": {"type": "string", "enum": ["c", "f"]},
                    },
                    "required": ["city"],
                    "anyOf": [{"required": ["city"]}, {"required": ["units"]}],
                    "additionalProperties": False,
                },
            ),
        ),
    )


def test_settings_round_trip_through_the_toml_writer() -> None:
    settings = rich_settings()
    text = toml_dumps(msgspec.to_builtins(settings))
    assert msgspec.convert(tomllib.loads(text), Settings) == settings
    # The rendered shape is that of a profile table: it loads as a user profile too.
    assert "[[tools]]" in text
    assert "[tools.parameters.properties.city]" in text
    assert '"""' in text  # multi-line instructions stay readable


def test_config_show_text_round_trips_except_for_the_key() -> None:
    settings = msgspec.structs.replace(rich_settings(), api_key="sk-secret")
    parsed = msgspec.convert(tomllib.loads(settings_toml(settings, header="a\nb")), Settings)
    assert parsed == msgspec.structs.replace(settings, api_key=REDACTED)


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_strings_round_trip_as_keys_and_values(text: str) -> None:
    data = {
        text: text,
        "table": {text: [text, {"k": text}]},
        "tables": [{"s": text}, {}],
    }
    assert tomllib.loads(toml_dumps(data)) == data


def test_writer_handles_special_floats_and_empty_containers() -> None:
    data = {"inf": math.inf, "ninf": -math.inf, "e": 1e-300, "empty": {}, "list": []}
    parsed = tomllib.loads(toml_dumps(data))
    assert parsed == data
    assert math.isnan(tomllib.loads(toml_dumps({"nan": math.nan}))["nan"])


def test_writer_rejects_what_toml_cannot_hold() -> None:
    with pytest.raises(TypeError):
        toml_dumps({"x": object()})
    with pytest.raises(ValueError, match="64-bit"):
        toml_dumps({"x": 2**64})


_scalars = (
    st.text()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.booleans()
)
_keys = st.text(max_size=8)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=12,
)


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=5))
def test_writer_round_trips_arbitrary_data(data: dict[str, Any]) -> None:
    assert tomllib.loads(toml_dumps(data)) == data


# --- starter file -----------------------------------------------------------------------------


EXAMPLE_LINE = re.compile(r"^# (\[\[?profiles\..*\]\]?|[a-z_]+ = .*)$")


@pytest.mark.parametrize("profile", ["default", "push-to-talk", 'odd "name"'])
def test_starter_file_loads_and_its_examples_are_valid(
    tmp_path: Path, env: dict[str, str], profile: str
) -> None:
    starter = starter_toml(profile)
    path = tmp_path / "starter.toml"
    path.write_text(starter, encoding="utf-8")
    loaded = load_config(None, path, {}, env)
    assert loaded.profile == profile

    # Uncommenting every example must give a valid profile too, so the file cannot drift
    # from what the loader accepts.
    examples = sum(1 for line in starter.splitlines() if EXAMPLE_LINE.match(line))
    assert examples > 30
    uncommented = "\n".join(
        line[2:] if EXAMPLE_LINE.match(line) else line for line in starter.splitlines()
    )
    path.write_text(uncommented, encoding="utf-8")
    settings = load_config(None, path, {}, env).settings
    assert settings.vad.idle_timeout_ms == 60000
    assert settings.audio.input_device == "USB"
    assert [tool.name for tool in settings.tools] == ["get_time"]
    assert settings.api_key == "sk-..."


# --- wire shape -------------------------------------------------------------------------------


def test_session_config_of_the_defaults() -> None:
    assert session_config(Settings()) == {
        "type": "realtime",
        "model": "gpt-realtime",
        "output_modalities": ["audio"],
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "turn_detection": {
                    "type": "server_vad",
                    "threshold": 0.5,
                    "prefix_padding_ms": 300,
                    "silence_duration_ms": 500,
                    "create_response": True,
                    "interrupt_response": True,
                },
            },
            "output": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "voice": "marin",
                "speed": 1.0,
            },
        },
        "max_output_tokens": "inf",
    }


def test_session_config_includes_what_is_set() -> None:
    settings = msgspec.structs.replace(
        rich_settings(),
        transcription=TranscriptionSettings(model="gpt-4o-transcribe", logprobs=True),
        reasoning_effort="low",
        truncation="disabled",
        parallel_tool_calls=False,
    )
    wire = session_config(settings)
    assert wire["instructions"] == settings.instructions
    assert wire["output_modalities"] == ["text"]
    assert wire["max_output_tokens"] == 512
    audio_input = wire["audio"]["input"]
    assert audio_input["transcription"] == {"model": "gpt-4o-transcribe"}
    assert audio_input["noise_reduction"] == {"type": "far_field"}
    assert audio_input["turn_detection"]["idle_timeout_ms"] == 6000
    assert wire["include"] == ["item.input_audio_transcription.logprobs"]
    assert wire["tools"][0] == {"type": "function", "name": "plain"}
    assert wire["tools"][1]["parameters"]["required"] == ["city"]
    assert wire["tool_choice"] == "required"
    assert wire["reasoning"] == {"effort": "low"}
    assert wire["truncation"] == "disabled"
    assert wire["parallel_tool_calls"] is False
    # Nothing local leaks onto the wire.
    assert not {"base_url", "websocket_base_url", "api_key", "api_key_env"} & set(wire)


def test_session_config_sends_no_nulls_except_manual_turns() -> None:
    def nulls(value: Any, path: str = "") -> list[str]:
        if value is None:
            return [path]
        if isinstance(value, dict):
            return [p for k, v in value.items() for p in nulls(v, f"{path}.{k}")]
        if isinstance(value, list):
            return [p for i, v in enumerate(value) for p in nulls(v, f"{path}[{i}]")]
        return []

    assert nulls(session_config(rich_settings())) == []
    manual = Settings(vad=VadSettings(type="none"))
    assert nulls(session_config(manual)) == [".audio.input.turn_detection"]


def test_semantic_vad_sends_only_its_own_keys() -> None:
    vad = VadSettings(type="semantic_vad", eagerness="low", threshold=0.9, create_response=False)
    detection = session_config(Settings(vad=vad))["audio"]["input"]["turn_detection"]
    assert detection == {
        "type": "semantic_vad",
        "eagerness": "low",
        "create_response": False,
        "interrupt_response": True,
    }


@pytest.mark.sdk
@pytest.mark.parametrize("name", SHIPPED)
def test_session_config_matches_the_sdk_request_model(name: str, env: dict[str, str]) -> None:
    types = pytest.importorskip("openai.types.realtime")
    model = types.RealtimeSessionCreateRequest
    for settings in (load_settings(name, None, {}, env), rich_settings()):
        wire = session_config(settings)
        parsed = model.model_validate(wire)
        # The SDK models allow extra fields, so check there are none: a beta-era or misspelt
        # field would make the server drop the whole session.update.
        assert set(wire) <= set(model.model_fields)
        assert parsed.model_dump(exclude_unset=True, mode="json") == wire
