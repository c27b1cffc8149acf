"""MCP in `rt talk`: each approval request asked through the one question mechanism and
answered with `mcp_approval_response`, and each step of a server's work as one line."""

from __future__ import annotations

import asyncio

from realtime_cli.cli.questions import Questions
from realtime_cli.session import McpApprovalRequested, McpProgress, VoiceSession
from realtime_cli.tui.sanitize import one_line

__all__ = ["McpApprovals", "approval_question", "mcp_progress_line"]

#: Results are cut to this many characters on screen (the model gets them whole).
SHOWN_CHARS = 80


def approval_question(request: McpApprovalRequested) -> str:
    """What the user is asked: the server, the tool and its arguments."""
    return f"allow MCP {request.server_label}: {request.name}({one_line(request.arguments)})"


def mcp_progress_line(event: McpProgress) -> tuple[str, str]:
    """The line for one step (and its level: info, or warning for a failure)."""
    where = f"mcp {event.server_label}"
    detail = one_line(event.detail)
    if len(detail) > SHOWN_CHARS:
        detail = detail[: SHOWN_CHARS - 3] + "..."
    lines = {
        "listing": (f"{where}: listing tools", "info"),
        "listed": (f"{where}: tools {detail or '(none)'}", "info"),
        "list_failed": (f"{where}: listing its tools failed", "warning"),
        "calling": (f"{where}: calling {event.name}({detail})", "info"),
        "called": (f"{where}: {event.name} -> {detail}", "info"),
        "call_failed": (f"{where}: {event.name} failed: {detail}", "warning"),
    }
    return lines.get(event.stage, (f"{where}: {event.stage} {detail}".rstrip(), "info"))


class McpApprovals:
    """Asks each approval request in a task of its own, so the conversation goes on."""

    def __init__(self, questions: Questions) -> None:
        self.questions = questions
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> bool:
        """Some request is still waiting for its answer."""
        return bool(self._tasks)

    def spawn(self, session: VoiceSession, request: McpApprovalRequested) -> None:
        """Ask, then answer the service."""

        async def answer() -> None:
            approve = await self.questions.ask(approval_question(request))
            await session.answer_mcp_approval(request.request_id, approve)

        task = asyncio.get_running_loop().create_task(answer())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Stop asking (the session is ending)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
