"""A barge-in leaves a running command tool running (it completes and the model gets its
output); the user's cancel stops it, kills the program, and tells the model."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import msgspec

from realtime_cli.command_tools import ToolQuestion, command_tool_specs
from realtime_cli.config.settings import CommandTool
from realtime_cli.core import CancelTool, RunTool
from realtime_cli.session import ToolRegistry
from realtime_cli.session.events import VoiceEvent
from realtime_cli.session.supervised_tasks import SupervisedTasks
from realtime_cli.session.tool_runner import CANCELLED_OUTPUT, ToolRunner

SLOW = (
    "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); "
    "time.sleep(1); print('rested')"
)


async def _never(question: ToolQuestion) -> bool:
    raise AssertionError("no question expected")


def _runner(pid_file: Path) -> tuple[ToolRunner, dict[str, str], SupervisedTasks]:
    tool = msgspec.convert(
        {"command": [sys.executable, "-c", SLOW, str(pid_file)], "timeout": 10}, CommandTool
    )
    registry = ToolRegistry(command_tool_specs({"nap": tool}, _never))
    delivered: dict[str, str] = {}
    events: list[VoiceEvent] = []

    async def deliver(call_id: str, output: str) -> None:
        delivered[call_id] = output

    tasks = SupervisedTasks(lambda exc: None)
    return ToolRunner(registry, tasks, events.append, deliver), delivered, tasks


def test_barge_in_leaves_the_tool_running_to_completion(tmp_path: Path) -> None:
    async def main() -> None:
        runner, delivered, tasks = _runner(tmp_path / "pid")
        runner.start(RunTool("call_1", "nap", "{}"))
        await asyncio.sleep(0.3)
        runner.cancel(CancelTool("call_1"))  # what an interrupted response asks
        while runner.running:
            await asyncio.sleep(0.05)
        assert delivered == {"call_1": "rested\n"}
        await tasks.cancel_all()

    asyncio.run(main())


def test_the_users_cancel_stops_it_and_kills_the_program(tmp_path: Path) -> None:
    async def main() -> None:
        runner, delivered, tasks = _runner(tmp_path / "pid")
        runner.start(RunTool("call_1", "nap", "{}"))
        while not (tmp_path / "pid").exists():
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        assert runner.cancel_all() == 1
        while runner.running:
            await asyncio.sleep(0.05)
        assert delivered == {"call_1": CANCELLED_OUTPUT}
        assert json.loads(CANCELLED_OUTPUT)["error"].startswith("cancelled")
        pid = int((tmp_path / "pid").read_text())
        try:
            os.kill(pid, 0)
            gone = Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
        except ProcessLookupError:
            gone = True
        assert gone
        await tasks.cancel_all()

    asyncio.run(main())
