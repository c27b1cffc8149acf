"""What the emulated model does with hosted MCP tools: the tools listed by each server
compete with function tools by meaning (`choose_tools`); a chosen one is called at once or,
when the server's `require_approval` asks for it, an approval request ends the response;
the user's `mcp_approval_response` then runs the call, or the model says it did not."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from realtime_cli.emulator.mcp_catalogue import CATALOGUE, ToolFailure
from realtime_cli.protocol import (
    UNSET,
    Item,
    McpApprovalRequestItem,
    McpApprovalResponseItem,
    McpListToolsItem,
    Tool,
)

__all__ = [
    "McpApprovalPlan",
    "McpCallPlan",
    "answer_to_approval",
    "mcp_function_tools",
    "needs_approval",
    "plan_mcp_call",
]


@dataclass(frozen=True)
class McpCallPlan:
    """Call an MCP tool (its result is worked out now: the catalogue is deterministic)."""

    server_label: str
    name: str
    arguments: str
    approval_request_id: str | None = None
    output: str | None = None
    error: str | None = None

    @property
    def in_words(self) -> str:
        """The model's sentence about the result (exact mode's fixed form)."""
        if self.error is not None:
            return f"The {self.name} call failed: {self.error}."
        return f"The {self.name} result is: {self.output}."


@dataclass(frozen=True)
class McpApprovalPlan:
    """Ask the user to approve a call (the response ends with the request)."""

    server_label: str
    name: str
    arguments: str


def mcp_function_tools(context: Sequence[Item], tools: Sequence[Tool]) -> dict[str, Tool]:
    """The tools the configured MCP servers listed, as function-like tools to choose from,
    by name, each tagged with its server's label in `server_label`."""
    labels = {t.server_label for t in tools if t.type == "mcp" and isinstance(t.server_label, str)}
    found: dict[str, Tool] = {}
    for item in context:
        if isinstance(item, McpListToolsItem) and item.server_label in labels:
            for listed in item.tools:
                tool = Tool.function(
                    listed.name,
                    listed.description if isinstance(listed.description, str) else None,
                    listed.input_schema if isinstance(listed.input_schema, dict) else None,
                )
                tool.server_label = item.server_label
                found[listed.name] = tool
    return found


def needs_approval(tools: Sequence[Tool], server_label: str, name: str) -> bool:
    """What the server's `require_approval` says for this tool (approval unless "never")."""
    for tool in tools:
        if tool.type != "mcp" or tool.server_label != server_label:
            continue
        rule = tool.require_approval
        if rule is UNSET or rule is None:
            return True
        if isinstance(rule, str):
            return rule != "never"
        never = rule.never
        if never is not UNSET and never is not None and isinstance(never.tool_names, list):
            return name not in never.tool_names
        return True
    return True


def plan_mcp_call(
    server_label: str, name: str, arguments: str, approval_request_id: str | None = None
) -> McpCallPlan:
    """A call with its result from the catalogue."""
    tool = next((t for t in CATALOGUE if t.name == name), None)
    try:
        parsed = json.loads(arguments or "{}")
        if tool is None:
            raise ToolFailure(f"unknown tool {name}")
        output = tool.run(parsed if isinstance(parsed, dict) else {})
    except (ToolFailure, ValueError) as exc:
        return McpCallPlan(server_label, name, arguments, approval_request_id, error=str(exc))
    return McpCallPlan(server_label, name, arguments, approval_request_id, output=output)


def answer_to_approval(
    context: Sequence[Item], answer: McpApprovalResponseItem
) -> McpCallPlan | str:
    """The call an approval allows, or what the model says when it was declined."""
    request = next(
        (
            item
            for item in context
            if isinstance(item, McpApprovalRequestItem) and item.id == answer.approval_request_id
        ),
        None,
    )
    if request is None:
        return "I could not find the request you answered."
    if not answer.approve:
        return f"I did not run {request.name}, as you declined."
    return plan_mcp_call(request.server_label, request.name, request.arguments, request.id)
