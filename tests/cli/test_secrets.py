"""The API key never appears in anything rt writes: run the CLI's commands, successful and
failing, with a recognisable key and scan every output and every file for it."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.conftest import Emu, rt
from tests.cli.test_calls import OFFER
from tests.cli.test_talk import DEMO

SECRET = "sk-LEAKCANARY-5f3a9c1e7d2b4a6f8e0c"


def _scan(runs: list[tuple[str, str]], root: Path) -> list[str]:
    found = [f"stdout/stderr of {name}" for name, text in runs if SECRET in text]
    for path in root.rglob("*"):
        if path.is_file() and SECRET.encode() in path.read_bytes():
            found.append(str(path))
    return found


def test_the_key_is_never_written_anywhere(emulator: Emu, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    base = emulator.base_url
    offer = work / "offer.sdp"
    offer.write_text(OFFER)
    commands: list[tuple[str, ...]] = [
        ("text", "hello", "--log", str(work / "text.jsonl"), "--log-audio", "--debug"),
        ("text", "hello", "--json"),
        ("talk", "--input-file", str(DEMO), "--output-file", str(work / "out.wav"),
         "--record", str(work / "rec.wav"), "--log", str(work / "talk.jsonl"), "--debug",
         "--max-seconds", "20"),
        ("token", "--json"),
        ("sdp-offer", str(offer), "--json", "--debug"),
        ("call", "hangup", "rtc_does_not_exist", "--debug"),
        ("config", "show", "--debug"),
        ("text", "hi", "--model", "no-such-model", "--debug"),
    ]  # fmt: skip
    runs: list[tuple[str, str]] = []
    for args in commands:
        run = rt(*args, base_url=base, key=SECRET, home=tmp_path / "home")
        runs.append((" ".join(args[:2]), run.out + run.err))
    # A refused key and an unreachable host, with tracebacks on.
    for args, url in (
        (("text", "hi", "--debug"), "http://127.0.0.1:9/v1"),
        (("token", "--debug"), "http://127.0.0.1:9/v1"),
    ):
        run = rt(*args, base_url=url, key=SECRET, home=tmp_path / "home")
        assert run.code == 1
        runs.append((" ".join(args), run.out + run.err))
    refused = rt("text", "hi", "--debug", base_url=base, key="bad-" + SECRET, home=tmp_path)
    assert refused.code == 1 and "Traceback" in refused.err
    runs.append(("refused key", refused.out + refused.err))
    assert _scan(runs, tmp_path) == []
    # The scan would have found it: the key really was in use.
    assert (work / "talk.jsonl").stat().st_size > 0
    assert os.path.getsize(work / "out.wav") > 44


MCP_SECRET = "ghp_MCPLEAKCANARY_2b7e9d41c03f"
MCP_CONFIG = """
[profiles.default.mcp.github]
server_url = "https://mcp.example/github"
headers = { authorization = { env = "GITHUB_TOKEN" }, x-api-key = { env = "GITHUB_TOKEN" } }
require_approval = "never"
"""


def test_an_mcp_header_secret_is_never_written_anywhere(emulator: Emu, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "rt").mkdir(parents=True)
    (home / "rt" / "config.toml").write_text(MCP_CONFIG)
    work = tmp_path / "work"
    work.mkdir()
    commands: list[tuple[str, ...]] = [
        ("config", "show", "--debug"),
        ("text", "hello", "--log", str(work / "text.jsonl"), "--log-audio", "--debug"),
        ("text", "hello", "--json", "--debug"),
        ("talk", "--input-file", str(DEMO), "--output-file", str(work / "out.wav"),
         "--log", str(work / "talk.jsonl"), "--log-audio", "--debug", "--approve", "never",
         "--max-seconds", "20"),
        ("token", "--json", "--debug"),
    ]  # fmt: skip
    outputs: list[tuple[str, str]] = []
    for args in commands:
        run = rt(*args, base_url=emulator.base_url, home=home, env={"GITHUB_TOKEN": MCP_SECRET})
        assert run.code == 0, run.err
        outputs.append((" ".join(args[:2]), run.out + run.err))
    found = [name for name, text in outputs if MCP_SECRET in text]
    found += [
        str(p) for p in tmp_path.rglob("*") if p.is_file() and MCP_SECRET.encode() in p.read_bytes()
    ]
    assert found == []
    # The secret was in use: the service got both headers, and the log shows them scrubbed.
    assert '"authorization":"***","x-api-key":"***"' in (work / "talk.jsonl").read_text()
