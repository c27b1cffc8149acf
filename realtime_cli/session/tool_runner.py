"""Tool calls run as tasks of their own, so audio and barge-in stay live while a tool runs;
an interrupted call is cancelled when its tool allows it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from realtime_cli.core import CancelTool, RunTool
from realtime_cli.session.events import ToolCalled, ToolCompleted, VoiceEvent
from realtime_cli.session.supervised_tasks import SupervisedTasks
from realtime_cli.session.tools import ToolRegistry, ToolSpec

__all__ = ["CANCELLED_OUTPUT", "ToolRunner"]

#: What the model is told about a call the user's interruption cancelled.
CANCELLED_OUTPUT = '{"error": "cancelled: the user interrupted"}'


class ToolRunner:
    """Starts and cancels the session's tool calls; each result goes to `deliver`."""

    def __init__(
        self,
        tools: ToolRegistry,
        tasks: SupervisedTasks,
        emit: Callable[[VoiceEvent], None],
        deliver: Callable[[str, str], Awaitable[None]],
    ) -> None:
        self.tools = tools
        self._tasks = tasks
        self._emit = emit
        self._deliver = deliver
        self._running: dict[str, tuple[asyncio.Task[None], ToolSpec | None]] = {}

    def start(self, action: RunTool) -> None:
        """Run a tool call in a task of its own."""
        spec = self.tools.get(action.name)
        self._emit(ToolCalled(action.call_id, action.name, action.arguments))

        async def run() -> None:
            try:
                output = await self.tools.run(action.name, action.arguments)
            except asyncio.CancelledError:
                output = CANCELLED_OUTPUT
            finally:
                self._running.pop(action.call_id, None)
            self._emit(ToolCompleted(action.call_id, action.name, output))
            await self._deliver(action.call_id, output)

        task = self._tasks.spawn(run(), f"tool {action.name} {action.call_id}")
        self._running[action.call_id] = (task, spec)

    def cancel(self, action: CancelTool) -> None:
        """Cancel a running call, unless its tool asked to finish across interruptions."""
        running = self._running.get(action.call_id)
        if running is not None and (running[1] is None or running[1].cancel_on_interrupt):
            running[0].cancel()
