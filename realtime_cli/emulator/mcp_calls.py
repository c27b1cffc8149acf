"""Hosted MCP in the emulator: listing each configured server's tools when the session
gets it, and the `mcp_call` / `mcp_approval_request` items of a response, with the event
sequence PROTOCOL.md lists (`mcp_list_tools.*`, `response.mcp_call_arguments.*`,
`response.mcp_call.*`)."""

from __future__ import annotations

from collections.abc import Generator

import msgspec

from realtime_cli.emulator.function_calls import FunctionCalls
from realtime_cli.emulator.machine_core import ActiveResponse
from realtime_cli.emulator.mcp_catalogue import listed_tools, reachable
from realtime_cli.emulator.mcp_replies import McpApprovalPlan, McpCallPlan
from realtime_cli.protocol import (
    ConversationItemAdded,
    ConversationItemDone,
    McpApprovalRequestItem,
    McpCallItem,
    McpListToolsCompleted,
    McpListToolsFailed,
    McpListToolsInProgress,
    McpListToolsItem,
    McpToolExecutionError,
    ResponseMcpCallArgumentsDelta,
    ResponseMcpCallArgumentsDone,
    ResponseMcpCallCompleted,
    ResponseMcpCallFailed,
    ResponseMcpCallInProgress,
    Tool,
)

__all__ = ["McpCalls"]

#: How long listing a server's tools takes (emulated seconds, before `speed`).
LISTING_S = 0.3
#: How long an MCP tool runs.
CALL_S = 0.2


class McpCalls(FunctionCalls):
    """Hosted MCP servers: tool listing, calls and approval requests."""

    def _list_mcp_tools(self) -> None:
        session = self._realtime
        tools = session.tools if session is not None and isinstance(session.tools, list) else []
        for tool in tools:
            label = tool.server_label
            if tool.type != "mcp" or not isinstance(label, str) or label in self._mcp_listed:
                continue
            self._mcp_listed.add(label)
            self._list_one(tool, label)

    def _list_one(self, tool: Tool, label: str) -> None:
        item = McpListToolsItem(id=self.ids.next("item"), server_label=label, tools=[])
        previous = self.conversation.insert(item)
        self._emit(
            ConversationItemAdded(event_id=self._eid(), item=item, previous_item_id=previous)
        )
        self._emit(McpListToolsInProgress(event_id=self._eid(), item_id=str(item.id)))

        def done() -> None:
            if not reachable(tool):
                self._emit(McpListToolsFailed(event_id=self._eid(), item_id=str(item.id)))
                final = item
            else:
                final = McpListToolsItem(id=item.id, server_label=label, tools=listed_tools(tool))
                self.conversation.replace(final)
                self._emit(McpListToolsCompleted(event_id=self._eid(), item_id=str(item.id)))
            self._emit(
                ConversationItemDone(event_id=self._eid(), item=final, previous_item_id=previous)
            )

        self._later(LISTING_S / self.speed, done)

    def _run_mcp_call(
        self, active: ActiveResponse, plan: McpCallPlan, t0: float
    ) -> Generator[float, None, None]:
        key = self.ids.next("mcp")
        opened = McpCallItem(id=key, server_label=plan.server_label, name=plan.name, arguments="")
        if plan.approval_request_id is not None:
            opened.approval_request_id = plan.approval_request_id
        previous = self._add_output(active, opened)

        def send(piece: str) -> None:
            self._emit(
                ResponseMcpCallArgumentsDelta(
                    event_id=self._eid(),
                    response_id=active.id,
                    item_id=key,
                    output_index=active.index,
                    delta=piece,
                    obfuscation=self._obfuscation(piece),
                )
            )

        yield from self._stream_arguments(plan.arguments, t0, send)
        self._emit(
            ResponseMcpCallArgumentsDone(
                event_id=self._eid(),
                response_id=active.id,
                item_id=key,
                output_index=active.index,
                arguments=plan.arguments,
            )
        )
        self._emit(
            ResponseMcpCallInProgress(event_id=self._eid(), item_id=key, output_index=active.index)
        )
        yield self._now + CALL_S / self.speed
        final = msgspec.structs.replace(opened, arguments=plan.arguments)
        if plan.error is not None:
            final.error = McpToolExecutionError(message=plan.error)
            self._emit(
                ResponseMcpCallFailed(event_id=self._eid(), item_id=key, output_index=active.index)
            )
        else:
            final.output = plan.output
            self._emit(
                ResponseMcpCallCompleted(
                    event_id=self._eid(), item_id=key, output_index=active.index
                )
            )
        self._done_output(active, final, previous)

    def _run_mcp_approval(self, active: ActiveResponse, plan: McpApprovalPlan) -> None:
        item = McpApprovalRequestItem(
            id=self.ids.next("mcpr"),
            server_label=plan.server_label,
            name=plan.name,
            arguments=plan.arguments,
        )
        previous = self._add_output(active, item)
        self._done_output(active, item, previous)
