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
