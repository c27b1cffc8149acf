"""The tools of an `rt talk` session: command tools from the user's config, and the one
question mechanism their confirmations (and MCP approvals) go through."""

from __future__ import annotations

import os
import shlex
import sys

from realtime_cli.cli.questions import ApprovePolicy, Questions
from realtime_cli.command_tools import ToolQuestion, command_tool_spec
from realtime_cli.command_tools.arguments import PlaceholderError
from realtime_cli.config import ConfigError, Settings
from realtime_cli.session import ToolSpec

__all__ = ["talk_tools", "tool_question"]


def tool_question(question: ToolQuestion) -> str:
    """What the user is asked before a `confirm = true` tool runs: the exact argv."""
    return f"run tool {question.tool}: {shlex.join(question.argv)}"


def talk_tools(settings: Settings, approve: ApprovePolicy) -> tuple[list[ToolSpec], Questions]:
    """The command tools and the questions of a session. Raises `ConfigError` for a command
    that names an undeclared parameter."""
    questions = Questions(approve, can_ask=_has_terminal())

    async def ask(question: ToolQuestion) -> bool:
        return await questions.ask(tool_question(question))

    # The programs must not see the API key nor the MCP servers' secrets.
    hidden = (
        settings.api_key_env,
        *(ref.env for server in settings.mcp.values() for ref in server.headers.values()),
    )
    specs: list[ToolSpec] = []
    for name, tool in settings.command_tools.items():
        try:
            specs.append(command_tool_spec(name, tool, ask, hidden_env=hidden))
        except PlaceholderError as exc:
            raise ConfigError(f"tools.{name}.command: {exc}") from None
    return specs, questions


def _has_terminal() -> bool:
    try:
        return sys.stdin.isatty() and os.name == "posix"
    except (AttributeError, ValueError):
        return False
