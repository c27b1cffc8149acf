"""`rt text` as a subprocess against the emulator."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import KEY, Emu, rt


def test_text_streams_the_answer_to_stdout_only(emulator: Emu, tmp_path: Path) -> None:
    run = rt("text", "Summarize this", base_url=emulator.base_url, home=tmp_path)
    assert run.code == 0, run.err
    assert run.out == "You said: Summarize this.\n"
    assert run.err == ""


def test_text_reads_the_prompt_from_stdin(emulator: Emu, tmp_path: Path) -> None:
    for args in (("text", "-"), ("text",)):
        run = rt(*args, base_url=emulator.base_url, stdin="from a pipe\n", home=tmp_path)
        assert run.code == 0, run.err
        assert run.out == "You said: from a pipe.\n"


def test_text_json_prints_every_server_event(emulator: Emu, tmp_path: Path) -> None:
    run = rt("text", "hi", "--json", base_url=emulator.base_url, home=tmp_path)
    assert run.code == 0, run.err
    types = [json.loads(line)["type"] for line in run.out.splitlines()]
    assert types[0] == "session.created"
    assert "response.output_text.delta" in types
    assert types[-1] == "response.done"


def test_text_log_has_both_directions_and_no_key(emulator: Emu, tmp_path: Path) -> None:
    log = tmp_path / "traffic.jsonl"
    run = rt("text", "hi", "--log", str(log), base_url=emulator.base_url, home=tmp_path)
    assert run.code == 0, run.err
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert {line["dir"] for line in lines} == {"send", "recv"}
    assert KEY not in log.read_text()


def test_bad_key_exits_1_with_one_line(emulator: Emu, tmp_path: Path) -> None:
    run = rt("text", "hi", base_url=emulator.base_url, key="bad-key", home=tmp_path)
    assert run.code == 1
    assert run.out == ""
    assert len(run.err.strip().splitlines()) == 1
    assert "invalid API key" in run.err
    assert "bad-key" not in run.err


def test_unknown_model_exits_1(emulator: Emu, tmp_path: Path) -> None:
    run = rt("text", "hi", "--model", "gpt-nope", base_url=emulator.base_url, home=tmp_path)
    assert run.code == 1
    assert "model" in run.err and "Traceback" not in run.err


def test_missing_key_exits_2_naming_the_variable(tmp_path: Path) -> None:
    run = rt("text", "hi", base_url="http://127.0.0.1:9/v1", key=None, home=tmp_path)
    assert run.code == 2
    assert "OPENAI_API_KEY" in run.err
    assert len(run.err.strip().splitlines()) == 1


def test_unreachable_host_exits_1(tmp_path: Path) -> None:
    run = rt("text", "hi", base_url="http://127.0.0.1:9/v1", home=tmp_path)
    assert run.code == 1
    assert "cannot reach" in run.err and "Traceback" not in run.err
    debug = rt("text", "hi", "--debug", base_url="http://127.0.0.1:9/v1", home=tmp_path)
    assert debug.code == 1 and "Traceback" in debug.err


def test_empty_prompt_is_a_usage_error(emulator: Emu, tmp_path: Path) -> None:
    run = rt("text", "   ", base_url=emulator.base_url, home=tmp_path)
    assert run.code == 2
    assert "empty" in run.err
