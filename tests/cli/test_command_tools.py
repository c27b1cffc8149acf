"""Command tools from the user's config, through `rt talk` (a subprocess) and the real
websocket to the emulator: the model's call from a spoken request, the program run with
its arguments (argv, stdin, environment), its output reaching the model, and every failure
an error output the model reads."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from tests.cli.conftest import KEY, rt
from tests.cli.emulator_thread import EmulatorThread
from tests.cli.spoken import spoken_wav

#: A tool program that records how it was called and answers.
PROGRAM = """\
import json, os, sys
record = {
    "argv": sys.argv[1:],
    "stdin": sys.stdin.read(),
    "env_arguments": os.environ.get("RT_TOOL_ARGUMENTS"),
    "sees_api_key": "OPENAI_API_KEY" in os.environ,
}
with open(os.environ["TOOL_RECORD"], "a") as out:
    out.write(json.dumps(record) + "\\n")
mode = os.environ.get("TOOL_MODE", "ok")
if mode == "fail":
    print("partial", flush=True)
    print("no such city", file=sys.stderr)
    sys.exit(3)
if mode == "big":
    sys.stdout.write("x" * 100_000)
    sys.exit(0)
print("Sunny and 21 degrees in " + sys.argv[-1])
"""


#: A tool that starts a child of its own and never ends: both must be killed on timeout.
NAP = (
    "import os, subprocess, time\n"
    "child = subprocess.Popen(['sleep', '60'])\n"
    "open(os.environ['NAP_PIDS'], 'w').write(f'{os.getpid()} {child.pid}')\n"
    "child.wait()\n"
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def _config(home: Path, program: Path, extra: str = "") -> None:
    (home / "rt").mkdir(parents=True, exist_ok=True)
    py = json.dumps(sys.executable)
    (home / "rt" / "config.toml").write_text(
        f"""
[profiles.default.tools.weather]
description = "Current weather for a city"
command = [{py}, {json.dumps(str(program))}, "--city={{city}}", "{{city}}"]
parameters = {{ city = {{ type = "string", description = "City name" }} }}
timeout = 10

[profiles.default.tools.nap]
description = "Take a nap for a while"
command = [{py}, "-c", {json.dumps(NAP)}]
timeout = 1
{extra}
"""
    )


def _talk(
    emu: EmulatorThread, tmp_path: Path, said: str, *, env: dict[str, str] | None = None
) -> tuple[Any, list[dict[str, Any]]]:
    program = tmp_path / "tool.py"
    program.write_text(PROGRAM)
    _config(tmp_path, program)
    emu.call(lambda e: e.queue_transcript(said))
    log = tmp_path / "log.jsonl"
    run = rt(
        "talk", "--input-file", str(spoken_wav(tmp_path / "in.wav", said)),
        "--output-file", str(tmp_path / "out.wav"), "--transcribe", "gpt-4o-mini-transcribe",
        "--log", str(log), "--max-seconds", "30",
        base_url=emu.base_url, home=tmp_path,
        env={"TOOL_RECORD": str(tmp_path / "calls.jsonl"), **(env or {})},
    )  # fmt: skip
    events = [json.loads(line) for line in log.read_text().splitlines()]
    return run, events


def _sent(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e["event"] for e in events if e["dir"] == "send" and e["event"]["type"] == kind]


def _outputs(events: list[dict[str, Any]]) -> dict[str, str]:
    """The function_call_output items rt sent, by call_id."""
    return {
        e["item"]["call_id"]: e["item"]["output"]
        for e in _sent(events, "conversation.item.create")
        if e["item"]["type"] == "function_call_output"
    }


def _calls(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_spoken_request_runs_the_tool_and_its_output_reaches_the_model(
    scripted_emulator: EmulatorThread,
    tmp_path: Path,
) -> None:
    run, events = _talk(scripted_emulator, tmp_path, "What is the weather in Oslo today?")
    assert run.code == 0, run.err
    # The session declared the tool with the schema made from `parameters`.
    update = _sent(events, "session.update")[0]["session"]
    weather = next(t for t in update["tools"] if t["name"] == "weather")
    assert weather["parameters"]["properties"]["city"] == {
        "type": "string",
        "description": "City name",
    }
    assert weather["parameters"]["required"] == ["city"]
    # The program ran once with the model's arguments, in argv elements, on stdin, in env.
    [call] = _calls(tmp_path)
    assert call["argv"] == ["--city=Oslo", "Oslo"]
    assert json.loads(call["stdin"]) == {"city": "Oslo"}
    assert json.loads(call["env_arguments"]) == {"city": "Oslo"}
    assert call["sees_api_key"] is False
    # Its stdout went back to the model, which put it into words.
    assert list(_outputs(events).values()) == ["Sunny and 21 degrees in Oslo\n"]
    assert "Sunny and 21 degrees in Oslo" in run.out
    assert KEY not in (tmp_path / "log.jsonl").read_text()


def test_shell_metacharacters_stay_one_literal_argument(
    scripted_emulator: EmulatorThread,
    tmp_path: Path,
) -> None:
    nasty = "Oslo; touch PWNED && echo $(id) `id` | cat > x * ' \" \n"
    scripted_emulator.call(lambda e: e.set_tool_arguments("weather", {"city": nasty}))
    run, _ = _talk(scripted_emulator, tmp_path, "What is the weather in Oslo?")
    assert run.code == 0, run.err
    [call] = _calls(tmp_path)
    assert call["argv"] == [f"--city={nasty}", nasty]
    assert not (tmp_path / "PWNED").exists()
    assert not list(Path.cwd().glob("PWNED"))


def test_an_argument_failing_validation_runs_nothing_and_tells_the_model(
    scripted_emulator: EmulatorThread,
    tmp_path: Path,
) -> None:
    scripted_emulator.call(lambda e: e.set_tool_arguments("weather", {"city": 42, "x": 1}))
    run, events = _talk(scripted_emulator, tmp_path, "What is the weather in Oslo?")
    assert run.code == 0, run.err
    assert _calls(tmp_path) == []
    [output] = _outputs(events).values()
    assert "invalid arguments for weather" in json.loads(output)["error"]


def test_a_non_zero_exit_is_an_error_output_with_stderr(
    scripted_emulator: EmulatorThread,
    tmp_path: Path,
) -> None:
    run, events = _talk(
        scripted_emulator, tmp_path, "What is the weather in Oslo?", env={"TOOL_MODE": "fail"}
    )
    assert run.code == 0, run.err
    [output] = _outputs(events).values()
    error = json.loads(output)
    assert error == {
        "error": "weather exited with status 3",
        "stdout": "partial\n",
        "stderr": "no such city",
    }


def test_long_output_is_cut_with_a_note(
    scripted_emulator: EmulatorThread,
    tmp_path: Path,
) -> None:
    run, events = _talk(
        scripted_emulator, tmp_path, "What is the weather in Oslo?", env={"TOOL_MODE": "big"}
    )
    assert run.code == 0, run.err
    [output] = _outputs(events).values()
    assert output == "x" * 16384 + "\n[output cut at 16384 bytes]"


def test_a_timeout_kills_the_program_and_tells_the_model(
    scripted_emulator: EmulatorThread,
    tmp_path: Path,
) -> None:
    pids = tmp_path / "nap.pids"
    run, events = _talk(
        scripted_emulator, tmp_path, "Please take a nap for a while.", env={"NAP_PIDS": str(pids)}
    )
    assert run.code == 0, run.err
    [output] = _outputs(events).values()
    assert json.loads(output) == {"error": "nap timed out after 1 s"}
    # The program and the child it started are gone (its whole process group was killed).
    leader, child = map(int, pids.read_text().split())
    deadline = time.monotonic() + 5
    while (_alive(leader) or _alive(child)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(leader)
    assert not _alive(child)
