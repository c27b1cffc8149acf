"""The emulator's stand-in for hosted MCP servers: a small local catalogue of tools that
every server offers (filtered by `allowed_tools`), and their deterministic results.

A server whose host ends in `.invalid` (a name reserved never to resolve) cannot be
reached, so listing its tools fails; `delete_repository` always fails when called, so a
test can see a failed call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from realtime_cli.protocol import McpListedTool, McpToolFilter, Tool

__all__ = ["CATALOGUE", "CatalogueTool", "ToolFailure", "listed_tools", "reachable"]


class ToolFailure(Exception):
    """A catalogue tool failed (a `tool_execution_error`)."""


@dataclass(frozen=True)
class CatalogueTool:
    """One tool of the catalogue and what it returns for given arguments."""

    name: str
    description: str
    input_schema: dict[str, Any]
    run: Callable[[Mapping[str, Any]], str]


def _search_issues(args: Mapping[str, Any]) -> str:
    query = str(args.get("query", "")).strip() or "anything"
    return json.dumps(
        [
            {"number": 12, "title": f"{query}: crash on start", "state": "open"},
            {"number": 7, "title": f"{query}: slow sync", "state": "closed"},
        ]
    )


def _list_events(args: Mapping[str, Any]) -> str:
    day = args.get("day", "today")
    return f"{day}: 09:00 stand-up, 14:00 design review"


def _delete_repository(args: Mapping[str, Any]) -> str:
    raise ToolFailure(f"permission denied: cannot delete {args.get('name', 'the repository')}")


CATALOGUE: tuple[CatalogueTool, ...] = (
    CatalogueTool(
        "search_issues",
        "Search the issue tracker for issues matching a query.",
        {
            "type": "object",
            "properties": {"query": {"type": "string", "description": "Words to look for"}},
            "required": ["query"],
        },
        _search_issues,
    ),
    CatalogueTool(
        "list_events",
        "List the calendar events of a day.",
        {
            "type": "object",
            "properties": {"day": {"type": "string", "enum": ["today", "tomorrow"]}},
            "required": ["day"],
        },
        _list_events,
    ),
    CatalogueTool(
        "delete_repository",
        "Delete a repository for good.",
        {
            "type": "object",
            "properties": {"name": {"type": "string", "description": "Repository name"}},
            "required": ["name"],
        },
        _delete_repository,
    ),
)


def reachable(tool: Tool) -> bool:
    """Whether the emulated MCP server answers (not a `.invalid` host)."""
    if not isinstance(tool.server_url, str):
        return True  # a connector: always there
    host = urlsplit(tool.server_url).hostname or ""
    return not host.endswith(".invalid")


def listed_tools(tool: Tool) -> list[McpListedTool]:
    """The catalogue's tools a server lists under the tool's `allowed_tools`."""
    allowed = tool.allowed_tools
    names: list[str] | None = None
    if isinstance(allowed, list):
        names = allowed
    elif isinstance(allowed, McpToolFilter) and isinstance(allowed.tool_names, list):
        names = allowed.tool_names
    return [
        McpListedTool(name=t.name, input_schema=t.input_schema, description=t.description)
        for t in CATALOGUE
        if names is None or t.name in names
    ]
