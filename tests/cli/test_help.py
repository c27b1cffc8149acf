"""`rt --help` and every command's help: flags as flags, real metavars, examples, the version,
shell completion, and help that does not load what only running a command needs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from realtime_cli import __version__
from realtime_cli.cli.lazy_commands import COMMANDS, load_command
from tests.cli.conftest import rt, rt_environ

HELP_PAGES = [
    *([name] for name in COMMANDS if name not in ("call", "config")),
    ["call", "hangup"],
    ["call", "accept"],
    ["call", "reject"],
    ["call", "refer"],
    ["config", "show"],
]


@pytest.mark.parametrize("command", HELP_PAGES, ids=" ".join)
def test_options_show_flags_as_flags_and_values_with_metavars(
    command: list[str], tmp_path: Path
) -> None:
    run = rt(*command, "--help", base_url=None, home=tmp_path)
    assert run.code == 0, run.err
    options = [line for line in run.out.splitlines() if re.match(r"^  (-\w, )?--", line)]
    assert options, run.out
    for line in options:
        assert not re.search(r"<\w[\w ]*>", line), line  # no <bool>, <str>, <float range>


@pytest.mark.parametrize("command", ["talk", "text", "emulator"])
def test_main_commands_have_examples_and_defaults(command: str, tmp_path: Path) -> None:
    run = rt(command, "--help", base_url=None, home=tmp_path)
    assert "Examples:" in run.out
    assert f"rt {command} " in run.out.split("Options:")[0]


def test_talk_help_shows_the_defaults_that_matter(tmp_path: Path) -> None:
    out = rt("talk", "--help", base_url=None, home=tmp_path).out
    assert "--voice VOICE" in out and "(default: marin)" in out
    assert "--model MODEL" in out and "(default: gpt-realtime)" in out
    assert "Turn detection (default: server)" in out
    assert "--max-seconds SECONDS" in out and "--output-file FILE.wav" in out


def test_the_root_help_lists_every_command_with_its_own_summary(tmp_path: Path) -> None:
    out = rt("--help", base_url=None, home=tmp_path).out
    for name, spec in COMMANDS.items():
        # The table is what `rt --help` shows without importing the command: it must say
        # what the command's own docstring says.
        help_text = load_command(name, spec).help or ""
        assert help_text.split("\n\n")[0].replace("\n", " ").strip() == spec.short_help
        assert re.search(rf"^  {re.escape(name)} +", out, re.M), out
    assert "Exit codes: 0 ok, 1 API or network error, 2 usage" in " ".join(out.split())


def test_version_flag_and_command_print_the_same(tmp_path: Path) -> None:
    for flag in ("--version", "-V", "version"):
        run = rt(flag, base_url=None, home=tmp_path)
        assert (run.code, run.out) == (0, f"rt {__version__}\n")


def test_shell_completion_completes_commands_and_options(tmp_path: Path) -> None:
    assert "--install-completion" in rt("--help", base_url=None, home=tmp_path).out

    def complete(words: str) -> list[str]:
        env = rt_environ(None, None, tmp_path)
        env.update(
            _RT_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - 1)
        )
        result = subprocess.run(
            [sys.executable, "-m", "realtime_cli"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        return result.stdout.split()

    assert complete("rt ta") == ["talk"]
    assert complete("rt talk --vo") == ["--voice"]
    assert "hangup" in complete("rt call h")


@pytest.mark.parametrize("args", [["--help"], ["text", "--help"], ["talk", "--help"]])
def test_help_loads_no_transport_config_rich_or_pydantic(args: list[str]) -> None:
    code = (
        "import sys, contextlib\n"
        "from realtime_cli.cli import main\n"
        f"with contextlib.redirect_stdout(None): main({args!r})\n"
        "heavy = ('asyncio', 'rich', 'pydantic', 'numpy', 'websockets', 'httpx',\n"
        "         'realtime_cli.config', 'realtime_cli.protocol', 'realtime_cli.transport')\n"
        "print(json.dumps(sorted({m.split('.')[0] if not m.startswith('realtime_cli') else\n"
        "    '.'.join(m.split('.')[:2]) for m in sys.modules if m.startswith(heavy)})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import json\n" + code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == []


def test_a_command_that_runs_loads_no_pydantic(tmp_path: Path) -> None:
    # typer 0.29 coerces every parameter through a pydantic adapter: about 130 ms of CPU on
    # each command run (README, Dependencies). `rt config show` parses options and runs.
    code = (
        "import sys, contextlib, json\n"
        "from realtime_cli.cli import main\n"
        "with contextlib.redirect_stdout(None):\n"
        "    assert main(['config', 'show', '--profile', 'default']) == 0\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic')[:3]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=rt_environ(None, None, tmp_path),
    )
    assert json.loads(result.stdout.splitlines()[-1]) == [], result.stderr


@pytest.mark.parametrize("group", ["config", "call"])
def test_a_group_lists_each_subcommand_summary_whole_even_when_narrow(
    group: str, tmp_path: Path
) -> None:
    command = load_command(group, COMMANDS[group])
    for columns in ("60", "100"):
        out = rt(group, "--help", base_url=None, home=tmp_path, env={"COLUMNS": columns}).out
        listing = " ".join(out[out.index("Commands:") :].split())
        assert "..." not in listing, out
        for name, sub in command.commands.items():
            first = " ".join((sub.help or "").split("\n\n")[0].split())
            assert f"{name} {first}" in listing, out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["tlak"], "no such command 'tlak'. Did you mean 'talk'? (see 'rt --help')"),
        (["--bogus"], "no such option: --bogus (see 'rt --help')"),
        (["config", "show", "--json"], "no such option: --json (see 'rt config show --help')"),
        (["call", "hangup"], "missing argument 'CALL_ID' (see 'rt call hangup --help')"),
        (
            ["text", "--timeout", "0", "hi"],
            "invalid value for '--timeout': 0.0 is not in the range x>=0.1 (see 'rt text --help')",
        ),
    ],
)
def test_a_usage_mistake_is_one_line_in_rts_words(
    args: list[str], said: str, tmp_path: Path
) -> None:
    """click's usage errors (4 lines: usage, hint, blank, `Error:`) said as rt says its own."""
    run = rt(*args, base_url=None, home=tmp_path)
    assert (run.code, run.out, run.err) == (2, "", f"rt: error: {said}\n")


def test_a_group_alone_still_shows_its_help(tmp_path: Path) -> None:
    for args in ([], ["config"], ["call"]):
        run = rt(*args, base_url=None, home=tmp_path)
        assert run.code == 2
        assert (run.out + run.err).startswith(f"Usage: {' '.join(['rt', *args])} [OPTIONS]")


def test_a_short_flag_means_the_same_option_in_every_command() -> None:
    # `rt doctor -i DEVICE` once meant the microphone while `rt talk -i` means instructions:
    # `rt talk -i vmic` then silently became the system prompt "vmic".
    meaning: dict[str, set[str]] = {}
    commands = [load_command(name, spec) for name, spec in COMMANDS.items()]
    while commands:
        command = commands.pop()
        commands += list(getattr(command, "commands", {}).values())
        for param in command.params:
            longs = [o for o in param.opts if o.startswith("--")]
            for short in (o for o in param.opts if not o.startswith("--")):
                meaning.setdefault(short, set()).update(longs)
    assert meaning, "no short flags found"
    assert {s: m for s, m in meaning.items() if len(m) > 1} == {}
