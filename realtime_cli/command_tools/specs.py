"""Command tools as `ToolSpec`s of the session's tool machinery: the argument type from the
declared parameters (schema and validation), a confirmation asked before running when the
tool wants one, and every failure an error output the model can read."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from realtime_cli.command_tools.arguments import argument_type, check_placeholders, substitute
from realtime_cli.command_tools.process import MAX_OUTPUT_BYTES, run_command
from realtime_cli.config.settings import CommandTool
from realtime_cli.session.tools import ToolSpec

__all__ = ["ANSWER_WAIT_S", "Ask", "ToolQuestion", "command_tool_spec", "command_tool_specs"]

#: How long a `confirm = true` tool waits for the user's answer before giving up.
ANSWER_WAIT_S = 600.0


@dataclass(frozen=True)
class ToolQuestion:
    """Asked before a `confirm = true` tool runs: the exact argv it would run."""

    tool: str
    argv: tuple[str, ...]


#: Answers a question: True runs the tool.
Ask = Callable[[ToolQuestion], Awaitable[bool]]


def command_tool_specs(
    tools: Mapping[str, CommandTool],
    ask: Ask,
    *,
    hidden_env: tuple[str, ...] = (),
) -> list[ToolSpec]:
    """One `ToolSpec` per command tool. `hidden_env` names variables the programs must not
    see (the API key's, the MCP secrets'). Raises `PlaceholderError` for an argv that names
    an undeclared parameter."""
    return [
        command_tool_spec(name, tool, ask, hidden_env=hidden_env) for name, tool in tools.items()
    ]


def command_tool_spec(
    name: str, tool: CommandTool, ask: Ask, *, hidden_env: tuple[str, ...] = ()
) -> ToolSpec:
    """The `ToolSpec` of one command tool."""
    check_placeholders(tool.command, tool.parameters)

    async def handler(args: msgspec.Struct) -> str:
        values = {k: v for k, v in msgspec.structs.asdict(args).items() if v is not None}
        argv = substitute(tool.command, values)
        if tool.confirm and not await ask(ToolQuestion(name, tuple(argv))):
            return _error(f"the user declined to run {name}")
        arguments_json = json.dumps(values)
        env = {k: v for k, v in os.environ.items() if k not in hidden_env}
        try:
            # The limit is the program's: time the user spends answering does not count.
            async with asyncio.timeout(tool.timeout):
                result = await run_command(argv, arguments_json=arguments_json, env=env)
        except TimeoutError:
            return _error(f"{name} timed out after {tool.timeout:g} s")
        except OSError as exc:
            return _error(f"{name}: cannot run {argv[0]}: {exc.strerror or exc}")
        if result.returncode != 0:
            return _error(
                f"{name} exited with status {result.returncode}",
                stdout=result.stdout,
                stderr=result.stderr.strip(),
            )
        if result.cut:
            return result.stdout + f"\n[output cut at {MAX_OUTPUT_BYTES} bytes]"
        return result.stdout

    return ToolSpec(
        name=name,
        description=tool.description or "",
        handler=handler,
        arg_type=argument_type(name, tool.parameters),
        takes_struct=True,
        # A backstop only: the handler enforces the program's own limit.
        timeout=tool.timeout + (ANSWER_WAIT_S if tool.confirm else 5.0),
        # Barge-in stops the answer, not the work the user asked for.
        cancel_on_interrupt=False,
    )


def _error(message: str, **extra: Any) -> str:
    return json.dumps({"error": message, **{k: v for k, v in extra.items() if v}})
