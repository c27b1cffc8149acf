"""Hosted MCP servers from the config through `rt talk` and the real websocket to the
emulator: the listing and each call shown, approvals asked on the live screen (pty) and
answered yes or no, `--approve never|always` for headless runs, and the header secret
never in any output, log or file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Run, rt
from tests.cli.emulator_thread import EmulatorThread
from tests.cli.pty_run import PtyRun, rt_env
from tests.cli.spoken import spoken_wav

SECRET = "ghp_MCPCANARY_7c1d9e3f5a2b4c6d8e0f"
CONFIG = """
[profiles.default.mcp.github]
server_url = "https://mcp.example/github"
headers = { authorization = { env = "GITHUB_TOKEN" } }
require_approval = "always"
"""


def _prepare(emu: EmulatorThread, home: Path, said: str) -> Path:
    (home / "rt").mkdir(parents=True, exist_ok=True)
    (home / "rt" / "config.toml").write_text(CONFIG)
    emu.call(lambda e: e.queue_transcript(said))
    return spoken_wav(home / "in.wav", said)


def _args(home: Path, wav: Path, *extra: str) -> list[str]:
    return [
        "talk", "--input-file", str(wav), "--output-file", str(home / "out.wav"),
        "--transcribe", "gpt-4o-mini-transcribe", "--log", str(home / "log.jsonl"),
        "--max-seconds", "40", *extra,
    ]  # fmt: skip


def _log(home: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (home / "log.jsonl").read_text().splitlines()]


#: Where each direction of the --log carries whole items.
_ITEM_EVENTS = {"send": "conversation.item.create", "recv": "response.output_item.done"}


def _items(home: Path, direction: str, kind: str) -> list[dict[str, Any]]:
    """Items of `kind` that rt sent ("send") or the server finished ("recv"), in order."""
    return [
        e["event"]["item"]
        for e in _log(home)
        if e["dir"] == direction
        and e["event"]["type"] == _ITEM_EVENTS[direction]
        and e["event"]["item"]["type"] == kind
    ]


def _scan(home: Path, *texts: str) -> list[str]:
    found = [f"output {i}" for i, text in enumerate(texts) if SECRET in text]
    found += [
        str(path)
        for path in home.rglob("*")
        if path.is_file() and SECRET.encode() in path.read_bytes()
    ]
    return found


def _headless(emu: EmulatorThread, home: Path, *extra: str) -> Run:
    """`rt talk` without a terminal asking to search the issues for "login"."""
    wav = _prepare(emu, home, 'Search the issues for "login"')
    return rt(
        *_args(home, wav, *extra),
        base_url=emu.base_url, home=home, env={"GITHUB_TOKEN": SECRET},
    )  # fmt: skip


def test_approve_never_headless_declines_and_shows_the_listing(
    scripted_emulator: EmulatorThread,
    tmp_path: Path,
) -> None:
    run = _headless(scripted_emulator, tmp_path, "--approve", "never")
    assert run.code == 0, run.err
    assert "rt: mcp github: listing tools" in run.err
    assert "rt: mcp github: tools search_issues, list_events, delete_repository" in run.err
    assert 'allow MCP github: search_issues({"query": "login"}) -> no (--approve never)' in (
        run.err
    )
    [answer] = _items(tmp_path, "send", "mcp_approval_response")
    assert answer["approve"] is False
    assert _items(tmp_path, "recv", "mcp_call") == []
    assert "I did not run search_issues, as you declined." in run.out
    # The secret went to the service (scrubbed in the log), and nowhere else.
    update = next(e["event"] for e in _log(tmp_path) if e["event"]["type"] == "session.update")
    assert update["session"]["tools"][0]["headers"] == {"authorization": "***"}
    assert _scan(tmp_path, run.out, run.err) == []


def test_approve_always_headless_runs_the_call_and_shows_it(
    scripted_emulator: EmulatorThread,
    tmp_path: Path,
) -> None:
    run = _headless(scripted_emulator, tmp_path, "--approve", "always", "--plain")
    assert run.code == 0, run.err
    assert "-> yes (--approve always)" in run.err
    assert 'rt: mcp github: calling search_issues({"query": "login"})' in run.err
    assert "rt: mcp github: search_issues -> " in run.err
    [call] = _items(tmp_path, "recv", "mcp_call")
    assert "login: crash on start" in call["output"]
    assert "The search_issues result is:" in run.out
    assert _scan(tmp_path, run.out, run.err) == []


@pytest.mark.parametrize("answer", [b"y", b"n"])
def test_an_approval_asked_on_the_live_screen(
    scripted_emulator: EmulatorThread,
    tmp_path: Path,
    pty_runs: list[PtyRun],
    answer: bytes,
) -> None:
    wav = _prepare(scripted_emulator, tmp_path, 'Delete the repository "sandbox"')
    run = PtyRun(
        *_args(tmp_path, wav),
        env=rt_env(scripted_emulator.base_url, tmp_path, {"GITHUB_TOKEN": SECRET}),
    )
    pty_runs.append(run)
    question = 'allow MCP github: delete_repository({"name": "sandbox"})  [y/n]'
    run.wait_for(lambda t: question in t.text(), "the approval question")
    run.write(answer)
    code = run.finish()
    assert code == 0, run.terminal.text()
    [sent] = _items(tmp_path, "send", "mcp_approval_response")
    calls = _items(tmp_path, "recv", "mcp_call")
    if answer == b"y":
        assert sent["approve"] is True
        [call] = calls
        assert call["error"]["message"] == "permission denied: cannot delete sandbox"
        assert "delete_repository failed: permission denied" in run.raw
    else:
        assert sent["approve"] is False
        assert calls == []
        assert "I did not run delete_repository" in run.terminal.text()
    assert _scan(tmp_path, run.raw) == []
