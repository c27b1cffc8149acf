"""`[profiles.NAME.mcp.LABEL]` tables as the service's MCP tool objects, with header values
read from the environment (a secret never sits in the config file)."""

from __future__ import annotations

from collections.abc import Mapping

from realtime_cli.config.errors import ConfigError, format_key_path
from realtime_cli.config.settings import McpServer
from realtime_cli.protocol import UNSET, McpApprovalFilter, McpToolFilter, Tool, UnsetType

__all__ = ["mcp_secrets", "mcp_tool", "mcp_tools"]


def mcp_tools(servers: Mapping[str, McpServer], env: Mapping[str, str]) -> list[Tool]:
    """The `tools` entries of the session for `servers`."""
    return [mcp_tool(label, server, env) for label, server in servers.items()]


def mcp_tool(label: str, server: McpServer, env: Mapping[str, str]) -> Tool:
    """One MCP tool object. Raises `ConfigError` when neither `server_url` nor `connector_id`
    is set, or a header's variable is unset (naming the variable, never a value)."""
    where = format_key_path(("mcp", label))
    if (server.server_url is None) == (server.connector_id is None):
        raise ConfigError(f"{where}: set one of server_url or connector_id")
    headers: dict[str, str] = {}
    for name, ref in server.headers.items():
        value = env.get(ref.env, "").strip()
        if not value:
            raise ConfigError(
                f"{where}.headers.{name}: environment variable {ref.env} is not set or empty"
            )
        headers[name] = value
    approval = server.require_approval
    tool = Tool.mcp(
        label,
        server_url=server.server_url,
        connector_id=server.connector_id,
        require_approval=approval
        if isinstance(approval, str)
        else McpApprovalFilter(
            always=_named(approval, "always"),
            never=_named(approval, "never"),
        ),
        allowed_tools=None if server.allowed_tools is None else list(server.allowed_tools),
        headers=headers or None,
    )
    if server.description is not None:
        tool.server_description = server.description
    return tool


def _named(approval: Mapping[str, str], kind: str) -> McpToolFilter | UnsetType:
    """The tools `approval` gives `kind`, or absent when none has it."""
    names = sorted(name for name, value in approval.items() if value == kind)
    return McpToolFilter(tool_names=names) if names else UNSET


def mcp_secrets(servers: Mapping[str, McpServer], env: Mapping[str, str]) -> tuple[str, ...]:
    """Every header value of `servers`, to scrub from logs and output like the API key."""
    return tuple(
        value
        for server in servers.values()
        for ref in server.headers.values()
        if (value := env.get(ref.env, "").strip())
    )
