"""The library's side of hosted MCP, against the emulator: `McpProgress` events for the
listing and each call, an `McpApprovalRequested` event, and `answer_mcp_approval()`."""

from __future__ import annotations

import json

from realtime_cli.emulator import Emulator
from realtime_cli.protocol import Tool
from realtime_cli.session import (
    McpApprovalRequested,
    McpProgress,
    ResponseDone,
    VoiceEvent,
    VoiceSession,
    build_session,
)
from realtime_cli.transport import ConnectOptions
from tests.emulator.support import arun

KEY = "sk-test-mcp"


async def _until(events: list[VoiceEvent], stream: object, want: type, count: int = 1) -> None:
    async for event in stream:  # type: ignore[attr-defined]
        events.append(event)
        if sum(isinstance(e, want) for e in events) >= count:
            return


def test_an_approval_request_is_an_event_and_the_answer_runs_the_call() -> None:
    async def main() -> None:
        async with Emulator(speed=50) as emu:
            session = build_session(
                model="gpt-realtime",
                voice="marin",
                instructions=None,
                vad="none",
                transcription=None,
                noise_reduction=None,
                output_modality="text",
            )
            session.tools = [Tool.mcp("github", server_url="https://mcp.example/github")]
            options = ConnectOptions(api_key=KEY, model="gpt-realtime", base_url=emu.base_url)
            async with VoiceSession.connect_with(options, session) as voice:
                seen: list[VoiceEvent] = []
                stream = voice.events()
                await _until(seen, stream, McpProgress, 2)
                assert [(e.stage, e.server_label) for e in seen if isinstance(e, McpProgress)] == [
                    ("listing", "github"),
                    ("listed", "github"),
                ]
                await voice.say("List the events on my calendar for today.")
                await _until(seen, stream, McpApprovalRequested)
                request = next(e for e in seen if isinstance(e, McpApprovalRequested))
                assert (request.server_label, request.name) == ("github", "list_events")
                assert json.loads(request.arguments) == {"day": "today"}

                await voice.answer_mcp_approval(request.request_id, True)
                await _until(seen, stream, ResponseDone, 2)
                progress = [(e.stage, e.name) for e in seen if isinstance(e, McpProgress)]
                assert progress[-2:] == [("calling", "list_events"), ("called", "list_events")]
                called = [e for e in seen if isinstance(e, McpProgress)][-1]
                assert called.detail == "today: 09:00 stand-up, 14:00 design review"

    arun(main(), timeout=30)
