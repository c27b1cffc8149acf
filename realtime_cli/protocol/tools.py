"""Tools the model may call (function and hosted MCP tools) and the tool choice."""

from __future__ import annotations

from typing import Any

from realtime_cli.protocol.base import UNSET, Model, Opt, TaggedModel

__all__ = [
    "McpApprovalFilter",
    "McpToolFilter",
    "Tool",
    "ToolChoice",
    "ToolChoiceFunction",
    "ToolChoiceMcp",
]


class McpToolFilter(Model):
    """Selects MCP tools by name and/or by their read-only annotation."""

    read_only: Opt[bool] = UNSET
    tool_names: Opt[list[str]] = UNSET


class McpApprovalFilter(Model):
    """Which MCP tools always, and which never, need the user's approval."""

    always: Opt[McpToolFilter] = UNSET
    never: Opt[McpToolFilter] = UNSET


class Tool(Model):
    """A function tool (`type: "function"`) or a hosted MCP tool (`type: "mcp"`).

    One class holds both because the wire allows a function tool without `type`, which a
    tagged union cannot express. Build one with `Tool.function(...)` or `Tool.mcp(...)`.
    """

    type: Opt[str] = UNSET
    # function tools
    name: Opt[str] = UNSET
    description: Opt[str] = UNSET
    parameters: Opt[Any] = UNSET
    # MCP tools
    server_label: Opt[str] = UNSET
    server_url: Opt[str] = UNSET
    connector_id: Opt[str] = UNSET
    authorization: Opt[str] = UNSET
    headers: Opt[dict[str, str]] = UNSET
    allowed_tools: Opt[list[str] | McpToolFilter] = UNSET
    require_approval: Opt[str | McpApprovalFilter] = UNSET
    server_description: Opt[str] = UNSET
    allowed_callers: Opt[list[str]] = UNSET
    defer_loading: Opt[bool] = UNSET
    tunnel_id: Opt[str] = UNSET

    @classmethod
    def function(
        cls, name: str, description: str | None = None, parameters: dict[str, Any] | None = None
    ) -> Tool:
        """A function tool; `parameters` is the JSON Schema of its arguments object."""
        return cls(
            type="function",
            name=name,
            description=UNSET if description is None else description,
            parameters=UNSET if parameters is None else parameters,
        )

    @classmethod
    def mcp(
        cls,
        server_label: str,
        *,
        server_url: str | None = None,
        connector_id: str | None = None,
        require_approval: str | McpApprovalFilter | None = None,
        allowed_tools: list[str] | McpToolFilter | None = None,
        authorization: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Tool:
        """A hosted MCP tool, reached by `server_url` or a `connector_id`."""
        return cls(
            type="mcp",
            server_label=server_label,
            server_url=UNSET if server_url is None else server_url,
            connector_id=UNSET if connector_id is None else connector_id,
            require_approval=UNSET if require_approval is None else require_approval,
            allowed_tools=UNSET if allowed_tools is None else allowed_tools,
            authorization=UNSET if authorization is None else authorization,
            headers=UNSET if headers is None else headers,
        )


class ToolChoiceFunction(TaggedModel, tag="function"):
    """Force a call of the named function."""

    name: str


class ToolChoiceMcp(TaggedModel, tag="mcp"):
    """Force a call of a tool of the named MCP server."""

    server_label: str
    name: Opt[str] = UNSET


#: `"auto"` (default), `"none"`, `"required"`, or a specific function or MCP tool.
ToolChoice = str | ToolChoiceFunction | ToolChoiceMcp
