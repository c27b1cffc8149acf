"""Hosted MCP server events as voice events: each listing, call and result (`McpProgress`),
and each approval request (`McpApprovalRequested`). The service names an MCP item's server
and tool only on the item, so the item is remembered until its events are done."""

from __future__ import annotations

from typing import Any

from realtime_cli.protocol import (
    ConversationItemAdded,
    ConversationItemDone,
    McpApprovalRequestItem,
    McpCallItem,
    McpHttpError,
    McpListToolsFailed,
    McpListToolsInProgress,
    McpListToolsItem,
    McpProtocolError,
    McpToolExecutionError,
    ResponseMcpCallArgumentsDone,
    ResponseMcpCallInProgress,
    ResponseOutputItemAdded,
    ResponseOutputItemDone,
)
from realtime_cli.session.events import McpApprovalRequested, McpProgress

__all__ = ["McpTracker"]


class McpTracker:
    """Turns server events into MCP voice events (none for other events)."""

    def __init__(self) -> None:
        #: item id -> (server label, tool name or None for a listing)
        self._items: dict[str, tuple[str, str | None]] = {}
        self._arguments: dict[str, str] = {}
        self._failed: set[str] = set()

    def feed(self, event: Any) -> list[McpProgress | McpApprovalRequested]:
        """The MCP voice events `event` means."""
        if isinstance(event, ConversationItemAdded) and isinstance(event.item, McpListToolsItem):
            self._items[str(event.item.id)] = (event.item.server_label, None)
        elif isinstance(event, McpListToolsInProgress) and event.item_id in self._items:
            return [McpProgress("listing", self._items[event.item_id][0])]
        elif isinstance(event, McpListToolsFailed) and event.item_id in self._items:
            self._failed.add(event.item_id)
            return [McpProgress("list_failed", self._items[event.item_id][0])]
        elif isinstance(event, ConversationItemDone) and isinstance(event.item, McpListToolsItem):
            key = str(event.item.id)
            self._items.pop(key, None)
            if key not in self._failed:
                names = ", ".join(tool.name for tool in event.item.tools)
                return [McpProgress("listed", event.item.server_label, detail=names)]
        elif isinstance(event, ResponseOutputItemAdded) and isinstance(event.item, McpCallItem):
            self._items[event.item.id] = (event.item.server_label, event.item.name)
        elif isinstance(event, ResponseMcpCallArgumentsDone):
            self._arguments[event.item_id] = event.arguments
        elif isinstance(event, ResponseMcpCallInProgress) and event.item_id in self._items:
            label, name = self._items[event.item_id]
            return [McpProgress("calling", label, name, self._arguments.get(event.item_id, ""))]
        elif isinstance(event, ResponseOutputItemDone):
            return self._item_done(event.item)
        return []

    def _item_done(self, item: Any) -> list[McpProgress | McpApprovalRequested]:
        if isinstance(item, McpApprovalRequestItem):
            return [McpApprovalRequested(item.id, item.server_label, item.name, item.arguments)]
        if not isinstance(item, McpCallItem):
            return []
        self._items.pop(item.id, None)
        self._arguments.pop(item.id, None)
        if isinstance(item.error, McpProtocolError | McpToolExecutionError | McpHttpError):
            return [McpProgress("call_failed", item.server_label, item.name, item.error.message)]
        output = item.output if isinstance(item.output, str) else ""
        return [McpProgress("called", item.server_label, item.name, output)]
