"""`[profiles.NAME.mcp.LABEL]` tables as the service's MCP tool objects, with header values
read from the environment (a secret never sits in the config file)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from realtime_cli.config.errors import ConfigError, format_key_path
from realtime_cli.config.settings import McpServer

__all__ = ["mcp_secrets", "mcp_tool", "mcp_tools"]


def mcp_tools(servers: Mapping[str, McpServer], env: Mapping[str, str]) -> list[dict[str, Any]]:
    """The `tools` entries of the session for `servers`."""
    return [mcp_tool(label, server, env) for label, server in servers.items()]


def mcp_tool(label: str, server: McpServer, env: Mapping[str, str]) -> dict[str, Any]:
    """One MCP tool object. Raises `ConfigError` when neither `server_url` nor `connector_id`
    is set, or a header's variable is unset (naming the variable, never a value)."""
    where = format_key_path(("mcp", label))
    if (server.server_url is None) == (server.connector_id is None):
        raise ConfigError(f"{where}: set one of server_url or connector_id")
    tool: dict[str, Any] = {"type": "mcp", "server_label": label}
    if server.server_url is not None:
        tool["server_url"] = server.server_url
    else:
        tool["connector_id"] = server.connector_id
    if server.description is not None:
        tool["server_description"] = server.description
    headers: dict[str, str] = {}
    for name, ref in server.headers.items():
        value = env.get(ref.env, "").strip()
        if not value:
            raise ConfigError(
                f"{where}.headers.{name}: environment variable {ref.env} is not set or empty"
            )
        headers[name] = value
    if headers:
        tool["headers"] = headers
    if server.allowed_tools is not None:
        tool["allowed_tools"] = list(server.allowed_tools)
    approval = server.require_approval
    if isinstance(approval, str):
        tool["require_approval"] = approval
    else:
        tool["require_approval"] = {
            kind: {"tool_names": sorted(n for n, v in approval.items() if v == kind)}
            for kind in ("always", "never")
            if kind in approval.values()
        }
    return tool


def mcp_secrets(servers: Mapping[str, McpServer], env: Mapping[str, str]) -> tuple[str, ...]:
    """Every header value of `servers`, to scrub from logs and output like the API key."""
    return tuple(
        value
        for server in servers.values()
        for ref in server.headers.values()
        if (value := env.get(ref.env, "").strip())
    )
