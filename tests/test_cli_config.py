"""`rt config ...` run as a real subprocess, with XDG_CONFIG_HOME in a temporary directory."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import msgspec
import pytest

from realtime_cli.config import Settings

SECRET = "sk-test-do-not-print-0123456789"


class Run:
    """Runs `python -m realtime_cli` with a clean, private environment."""

    def __init__(self, tmp_path: Path) -> None:
        self.home = tmp_path / "home"
        self.xdg = tmp_path / "xdg"
        self.user_file = self.xdg / "rt" / "config.toml"
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("RT_", "OPENAI_", "XDG_"))
        }
        self.env |= {"HOME": str(self.home), "XDG_CONFIG_HOME": str(self.xdg)}

    def __call__(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "realtime_cli", *args],
            env=self.env | (env or {}),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def write(self, text: str, mode: int = 0o600) -> Path:
        self.user_file.parent.mkdir(parents=True, exist_ok=True)
        self.user_file.write_text(text, encoding="utf-8")
        self.user_file.chmod(mode)
        return self.user_file


@pytest.fixture
def rt(tmp_path: Path) -> Run:
    return Run(tmp_path)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("rt: error: ")
    return lines[0].removeprefix("rt: error: ")


def test_show_prints_the_resolved_settings_as_toml(rt: Run) -> None:
    result = rt("config", "show")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('# rt settings of profile "default"')
    assert msgspec.convert(tomllib.loads(result.stdout), Settings) == Settings()


def test_show_applies_profile_and_environment(rt: Run) -> None:
    rt.write('[profiles.mine]\nvoice = "sage"\nspeed = 1.25\n')
    result = rt("config", "show", "--profile", "mine", env={"RT_MODEL": "gpt-realtime-mini"})
    assert result.returncode == 0, result.stderr
    shown = msgspec.convert(tomllib.loads(result.stdout), Settings)
    assert (shown.voice, shown.speed, shown.model) == ("sage", 1.25, "gpt-realtime-mini")
    assert "#   environment (RT_MODEL)" in result.stdout


def test_show_with_config_flag_and_semantic_profile(rt: Run, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.toml"
    other.write_text('default_profile = "semantic-vad"\n', encoding="utf-8")
    result = rt("config", "show", "--config", str(other))
    assert result.returncode == 0, result.stderr
    assert tomllib.loads(result.stdout)["vad"]["type"] == "semantic_vad"


def test_show_redacts_the_key_and_warns_about_a_readable_file(rt: Run) -> None:
    path = rt.write(f'[profiles.default]\napi_key = "{SECRET}"\n', mode=0o644)
    result = rt("config", "show", env={"OPENAI_API_KEY": SECRET})
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert tomllib.loads(result.stdout)["api_key"] == "***"
    assert result.stderr.splitlines() == [
        f"rt: warning: {path} contains an api_key and others can read it (mode 0644); "
        f"run: chmod 600 {path}"
    ]


def test_private_key_file_does_not_warn(rt: Run) -> None:
    rt.write(f'[profiles.default]\napi_key = "{SECRET}"\n', mode=0o600)
    result = rt("config", "show")
    assert result.returncode == 0
    assert result.stderr == ""
    assert SECRET not in result.stdout


def test_invalid_value_is_one_line_exit_2(rt: Run) -> None:
    path = rt.write("[profiles.default.vad]\nthreshold = 3\n")
    result = rt("config", "show")
    assert one_line_error(result) == (
        f"{path}: profiles.default.vad.threshold: expected a number between 0 and 1, got 3"
    )
    assert result.stdout == ""


def test_malformed_toml_is_one_line_with_position(rt: Run) -> None:
    path = rt.write("[profiles.default]\nvoice = cedar\n")
    assert one_line_error(rt("config", "show")) == f"{path}:2:9: invalid TOML: invalid value"


def test_unknown_profile_lists_available(rt: Run) -> None:
    message = one_line_error(rt("config", "show", "--profile", "nope"))
    assert message == (
        'unknown profile "nope"; available profiles: default, push-to-talk, semantic-vad, text-only'
    )


def test_debug_shows_the_traceback(rt: Run) -> None:
    result = rt("config", "show", "--profile", "nope", "--debug")
    assert result.returncode != 0
    assert "Traceback" in result.stderr
    assert "ConfigError" in result.stderr


def test_path_prints_the_user_file_and_whether_it_exists(rt: Run) -> None:
    result = rt("config", "path")
    assert result.returncode == 0
    assert result.stdout == f"{rt.user_file}\n"
    assert "does not exist" in result.stderr
    rt.write("")
    result = rt("config", "path", "--profile", "any", "--debug")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{rt.user_file}\n"
    assert result.stderr == f"rt: {rt.user_file} exists\n"


def test_path_follows_rt_config(rt: Run, tmp_path: Path) -> None:
    result = rt("config", "path", env={"RT_CONFIG": str(tmp_path / "x.toml")})
    assert result.stdout == f"{tmp_path / 'x.toml'}\n"


def test_init_writes_a_private_starter_and_never_overwrites(rt: Run) -> None:
    result = rt("config", "init")
    assert result.returncode == 0, result.stderr
    assert rt.user_file.stat().st_mode & 0o777 == 0o600
    starter = rt.user_file.read_text(encoding="utf-8")
    assert starter.startswith("# rt configuration")
    assert tomllib.loads(starter) == {"default_profile": "default", "profiles": {"default": {}}}
    assert rt("config", "show").returncode == 0

    rt.user_file.write_text("# mine\n", encoding="utf-8")
    message = one_line_error(rt("config", "init"))
    assert message == f"{rt.user_file} already exists; not overwriting it"
    assert rt.user_file.read_text(encoding="utf-8") == "# mine\n"


def test_init_to_another_file_with_a_profile_name(rt: Run, tmp_path: Path) -> None:
    target = tmp_path / "deep" / "dir" / "rt.toml"
    result = rt("config", "init", "--config", str(target), "--profile", "work", "--debug")
    assert result.returncode == 0, result.stderr
    assert tomllib.loads(target.read_text(encoding="utf-8"))["default_profile"] == "work"
    assert not rt.user_file.exists()
    shown = rt("config", "show", "--config", str(target))
    assert shown.stdout.startswith('# rt settings of profile "work"')


def test_profiles_lists_and_marks_the_selected_one(rt: Run) -> None:
    rt.write('default_profile = "mine"\n[profiles.mine]\n[profiles.default]\n')
    result = rt("config", "profiles", "--debug")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "  default       (shipped, user)",
        "* mine          (user)",
        "  push-to-talk  (shipped)",
        "  semantic-vad  (shipped)",
        "  text-only     (shipped)",
    ]
    marked = rt("config", "profiles", "-p", "text-only").stdout.splitlines()
    assert "* text-only     (shipped)" in marked


@pytest.mark.parametrize("command", ["show", "path", "init", "profiles"])
def test_every_command_takes_profile_config_and_debug(
    rt: Run, tmp_path: Path, command: str
) -> None:
    file = tmp_path / "c.toml"
    if command != "init":
        file.write_text("[profiles.default]\n", encoding="utf-8")
    result = rt("config", command, "--profile", "default", "--config", str(file), "--debug")
    assert result.returncode == 0, result.stderr
    assert file.exists()
