"""The emulator speaks hosted MCP through its websocket: each server's tools listed after
`session.update`, a tool chosen by meaning and called (arguments streamed, then completed or
failed), approval requests per `require_approval`, and the answer to one honoured."""

from __future__ import annotations

import json
from typing import Any

from realtime_cli.emulator import Emulator
from tests.emulator.support import Client, arun, connect

FAST = 50.0
GITHUB = {"type": "mcp", "server_label": "github", "server_url": "https://mcp.example/github"}


async def _setup(client: Client, *tools: dict[str, Any]) -> list[Any]:
    await client.send(
        {
            "type": "session.update",
            "session": {"type": "realtime", "output_modalities": ["text"], "tools": list(tools)},
        }
    )
    await client.expect("session.updated")
    return await client.recv_until("conversation.item.done")


async def _ask(client: Client, text: str) -> list[Any]:
    await client.send(
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": text}],
            },
        }
    )
    await client.send({"type": "response.create"})
    return await client.recv_until("response.done")


async def _answer(client: Client, request_id: str, *, approve: bool) -> list[Any]:
    """Answer an approval request, ask for the response, and take its events."""
    await client.send(
        {
            "type": "conversation.item.create",
            "item": {
                "type": "mcp_approval_response",
                "id": f"answer_{request_id}",
                "approval_request_id": request_id,
                "approve": approve,
            },
        }
    )
    await client.send({"type": "response.create"})
    return list(await client.recv_until("response.done"))


def _types(events: list[Any]) -> list[str]:
    return [e.type for e in events]


def test_listing_then_a_call_without_approval() -> None:
    async def body() -> None:
        async with Emulator(speed=FAST) as emu, connect(emu) as client:
            listing = await _setup(client, {**GITHUB, "require_approval": "never"})
            assert _types(listing) == [
                "conversation.item.added",
                "mcp_list_tools.in_progress",
                "mcp_list_tools.completed",
                "conversation.item.done",
            ]
            names = [tool.name for tool in listing[-1].item.tools]
            assert names == ["search_issues", "list_events", "delete_repository"]

            events = await _ask(client, 'Search the issues for "login"')
            kinds = _types(events)
            start = kinds.index("response.output_item.added")
            assert [k for k in kinds[start:] if k.startswith("response.mcp")][-3:] == [
                "response.mcp_call_arguments.done",
                "response.mcp_call.in_progress",
                "response.mcp_call.completed",
            ]
            assert "response.mcp_call_arguments.delta" in kinds
            call = next(
                e.item
                for e in events
                if e.type == "response.output_item.done" and e.item.type == "mcp_call"
            )
            assert call.server_label == "github"
            assert call.name == "search_issues"
            assert json.loads(call.arguments) == {"query": "login"}
            assert "login: crash on start" in call.output
            done = events[-1].response
            assert done.output[-1].type == "message"  # the result put into words

    arun(body())


def test_allowed_tools_filter_the_listing_and_a_bad_host_fails() -> None:
    async def body() -> None:
        async with Emulator(speed=FAST) as emu, connect(emu) as client:
            listing = await _setup(
                client,
                {**GITHUB, "allowed_tools": ["list_events"]},
            )
            assert [t.name for t in listing[-1].item.tools] == ["list_events"]
        async with Emulator(speed=FAST) as emu, connect(emu) as client:
            broken = {**GITHUB, "server_url": "https://down.invalid/mcp"}
            listing = await _setup(client, broken)
            assert "mcp_list_tools.failed" in _types(listing)
            assert listing[-1].item.tools == []

    arun(body())


def test_approval_asked_then_answered_yes_and_no() -> None:
    async def body() -> None:
        async with Emulator(speed=FAST) as emu, connect(emu) as client:
            await _setup(client, {**GITHUB, "require_approval": "always"})
            events = await _ask(client, "What is on my calendar today? List the events.")
            assert not any(k.startswith("response.mcp_call") for k in _types(events))
            request = events[-1].response.output[-1]
            assert request.type == "mcp_approval_request"
            assert request.name == "list_events"
            assert json.loads(request.arguments) == {"day": "today"}

            events = await _answer(client, request.id, approve=True)
            call = events[-1].response.output[0]
            assert call.type == "mcp_call"
            assert call.approval_request_id == request.id
            assert call.output == "today: 09:00 stand-up, 14:00 design review"

            events = await _ask(client, "Delete the repository named sandbox")
            request = events[-1].response.output[-1]
            assert request.name == "delete_repository"
            events = await _answer(client, request.id, approve=False)
            assert not any(k.startswith("response.mcp_call") for k in _types(events))
            [message] = events[-1].response.output
            assert message.content[0].text == "I did not run delete_repository, as you declined."

    arun(body())


def test_a_failing_tool_is_a_failed_call_with_its_error() -> None:
    async def body() -> None:
        async with Emulator(speed=FAST) as emu, connect(emu) as client:
            await _setup(
                client,
                {**GITHUB, "require_approval": {"never": {"tool_names": ["delete_repository"]}}},
            )
            events = await _ask(client, "Delete the repository named sandbox")
            assert "response.mcp_call.failed" in _types(events)
            call = events[-1].response.output[0]
            assert call.error.type == "tool_execution_error"
            assert "permission denied" in call.error.message

    arun(body())
