"""`confirm = true` on a real pseudo-terminal: the live screen asks with the exact argv, and
`y` runs the tool while `n` does not (the model is told either way)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.emulator_thread import EmulatorThread
from tests.cli.pty_run import PtyRun, rt_env
from tests.cli.spoken import spoken_wav

CONFIG = """
[profiles.default.tools.weather]
description = "Current weather for a city"
command = ["echo", "weather for", "{city}; rm -rf ~"]
parameters = { city = { type = "string", description = "City name" } }
confirm = true
"""
QUESTION = "run tool weather: echo 'weather for' 'Oslo; rm -rf ~'  [y/n]"


def _outputs(log: Path) -> list[str]:
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    return [
        e["event"]["item"]["output"]
        for e in entries
        if e["dir"] == "send"
        and e["event"]["type"] == "conversation.item.create"
        and e["event"]["item"]["type"] == "function_call_output"
    ]


def _ask(emu: EmulatorThread, tmp_path: Path, answer: bytes) -> tuple[PtyRun, Path]:
    (tmp_path / "rt").mkdir()
    (tmp_path / "rt" / "config.toml").write_text(CONFIG)
    said = "What is the weather in Oslo?"
    emu.call(lambda e: e.queue_transcript(said))
    wav_path = spoken_wav(tmp_path / "in.wav", said)
    log = tmp_path / "log.jsonl"
    run = PtyRun(
        "talk", "--input-file", str(wav_path), "--output-file", str(tmp_path / "out.wav"),
        "--transcribe", "gpt-4o-mini-transcribe", "--log", str(log), "--max-seconds", "40",
        env=rt_env(emu.base_url, tmp_path),
    )  # fmt: skip
    run.wait_for(lambda t: QUESTION in t.text(), "the tool's question")
    run.write(answer)
    run.wait_for(lambda t: QUESTION not in t.text(), "the question answered")
    return run, log


def _finish(run: PtyRun) -> Any:
    code = run.finish()
    assert code == 0, run.terminal.text()
    assert "Traceback" not in run.raw


def test_confirm_answered_yes_runs_the_exact_argv(
    scripted_emulator: EmulatorThread,
    tmp_path: Path,
    pty_runs: list[PtyRun],
) -> None:
    run, log = _ask(scripted_emulator, tmp_path, b"y")
    pty_runs.append(run)
    _finish(run)
    assert _outputs(log) == ["weather for Oslo; rm -rf ~\n"]
    assert "weather for Oslo; rm -rf ~" in run.terminal.text()  # the answer says it


def test_confirm_answered_no_runs_nothing_and_tells_the_model(
    scripted_emulator: EmulatorThread,
    tmp_path: Path,
    pty_runs: list[PtyRun],
) -> None:
    run, log = _ask(scripted_emulator, tmp_path, b"n")
    pty_runs.append(run)
    _finish(run)
    [output] = _outputs(log)
    assert json.loads(output) == {"error": "the user declined to run weather"}
