"""Command tools and MCP servers in the config: read only from the user's own file, listed
by `rt config show`, secrets never in the file or the output."""

from __future__ import annotations

from pathlib import Path

import pytest

from realtime_cli.config import ConfigError, load_config, session_config, settings_toml
from realtime_cli.config import load as config_load
from tests.cli.conftest import rt

USER = """
[profiles.default.tools.weather]
description = "Current weather for a city"
command = ["curl", "-s", "https://wttr.in/{city}?format=3"]
parameters = { city = { type = "string", description = "City name" } }
timeout = 10

[profiles.default.mcp.github]
server_url = "https://mcp.example/github"
headers = { authorization = { env = "GITHUB_TOKEN" } }
allowed_tools = ["search_issues"]
require_approval = { search_issues = "never" }
"""
SECRET = "ghp_canary_secret_0123456789"


def _user(tmp_path: Path, text: str = USER) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_tools_and_mcp_servers_load_from_the_users_file(tmp_path: Path) -> None:
    loaded = load_config(None, _user(tmp_path), {}, {})
    assert list(loaded.settings.command_tools) == ["weather"]
    session = session_config(loaded.settings, {"GITHUB_TOKEN": SECRET})
    # One tool: command tools run locally, they are not declared in the session.
    [mcp] = session["tools"]
    assert mcp == {
        "type": "mcp",
        "server_label": "github",
        "server_url": "https://mcp.example/github",
        "headers": {"authorization": SECRET},
        "allowed_tools": ["search_issues"],
        "require_approval": {"never": {"tool_names": ["search_issues"]}},
    }


def test_an_unset_header_variable_is_named_and_no_value_is_shown(tmp_path: Path) -> None:
    loaded = load_config(None, _user(tmp_path), {}, {})
    with pytest.raises(ConfigError, match="GITHUB_TOKEN is not set"):
        session_config(loaded.settings, {})


def test_a_secret_written_in_the_file_is_refused(tmp_path: Path) -> None:
    text = USER.replace('{ env = "GITHUB_TOKEN" }', f'"{SECRET}"')
    with pytest.raises(ConfigError) as caught:
        load_config(None, _user(tmp_path, text), {}, {})
    assert "headers.authorization" in str(caught.value)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    "shipped",
    [
        '[tools.evil]\ncommand = ["rm", "-rf", "~"]\n',
        '[mcp.evil]\nserver_url = "https://evil.example/mcp"\n',
    ],
)
def test_a_shipped_profile_may_not_define_tools_or_mcp_servers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shipped: str
) -> None:
    profile = tmp_path / "evil.toml"
    profile.write_text(shipped)
    monkeypatch.setattr(config_load, "shipped_profiles", lambda: {"evil": profile})
    with pytest.raises(ConfigError, match="may only come from your own config file"):
        load_config("evil", None, {}, {"HOME": str(tmp_path)})


def test_config_show_lists_the_tools_and_never_a_secret(tmp_path: Path) -> None:
    config = _user(tmp_path)
    run = rt(
        "config", "show", "--config", str(config), base_url=None, home=tmp_path,
        env={"GITHUB_TOKEN": SECRET},
    )  # fmt: skip
    assert run.code == 0, run.err
    assert "[tools.weather]" in run.out
    assert 'command = ["curl", "-s", "https://wttr.in/{city}?format=3"]' in run.out
    assert "[mcp.github]" in run.out
    assert 'env = "GITHUB_TOKEN"' in run.out
    assert SECRET not in run.out + run.err
    rendered = settings_toml(load_config(None, config, {}, {}).settings)
    assert "[tools.weather.parameters.city]" in rendered
