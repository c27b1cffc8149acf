"""The official openai SDK (the independent oracle) against the emulator."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("openai")

from openai import AsyncOpenAI
from openai.types.realtime import RealtimeServerEvent
from pydantic import TypeAdapter

from realtime_cli.emulator import Emulator
from realtime_cli.protocol import encode_server_event
from tests.emulator.support import append_events, arun, speech_pcm

pytestmark = pytest.mark.sdk

ADAPTER: TypeAdapter[Any] = TypeAdapter(RealtimeServerEvent)
OFFER = (
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"
)


async def skip_rate_limits(conn: Any) -> Any:
    """The next event other than `rate_limits.updated` (which trails `response.done`)."""
    while True:
        event = await conn.recv()
        if event.type != "rate_limits.updated":
            return event


def assert_sdk_parses(emu: Emulator) -> set[str]:
    """Every event the emulator sent validates strictly as the SDK class of its type."""
    seen: set[str] = set()
    for sent in emu.sent:
        raw = json.loads(encode_server_event(sent.event))
        model = ADAPTER.validate_python(raw)
        assert model.type == raw["type"], raw["type"]
        seen.add(raw["type"])
    return seen


def test_sdk_realtime_connection_parses_every_event() -> None:
    async def body() -> set[str]:
        async with Emulator(speed=50.0) as emu:
            emu.set_tool_arguments("get_time", {"zone": "UTC"})
            client = AsyncOpenAI(api_key="sk-test", base_url=emu.base_url)
            async with client.realtime.connect(model="gpt-realtime") as conn:
                created = await conn.recv()
                assert type(created).__name__ == "SessionCreatedEvent"
                await conn.session.update(
                    session={
                        "type": "realtime",
                        "output_modalities": ["text"],
                        "tools": [{"type": "function", "name": "get_time", "description": "Time"}],
                        "audio": {"input": {"transcription": {"model": "whisper-1"}}},
                    }
                )
                await conn.conversation.item.create(
                    item={
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": "hi"}],
                    }
                )
                await conn.response.create()
                received = []
                async for event in conn:
                    received.append(event)
                    if event.type == "rate_limits.updated":
                        break
                # The SDK's own parse gives the class matching each type.
                for event in received:
                    expected = type(ADAPTER.validate_python(event.model_dump()))
                    assert type(event) is expected, event.type
                text = next(e for e in received if e.type == "response.output_text.done")
                assert text.text == "You said: hi."
                # A function call, an audio response and a VAD turn, via the SDK too.
                await conn.conversation.item.create(
                    item={
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": "get_time now"}],
                    }
                )
                await conn.response.create()
                async for event in conn:
                    if event.type == "response.done":
                        assert event.response.output[0].type == "function_call"
                        break
                await conn.response.create(
                    response={"output_modalities": ["audio"], "tool_choice": "none"}
                )
                async for event in conn:
                    if event.type == "response.done":
                        break
                for append in append_events(speech_pcm(("tone", 400), ("silence", 400))):
                    await conn.input_audio_buffer.append(audio=append["audio"])
                async for event in conn:
                    if event.type == "conversation.item.input_audio_transcription.completed":
                        assert event.usage.type == "duration"
                    if event.type == "response.done":
                        break
                await conn.response.cancel()
                error = await skip_rate_limits(conn)
                assert error.type == "error" and error.error.code == "response_cancel_not_active"
                await conn.input_audio_buffer.clear()
                assert (await skip_rate_limits(conn)).type == "input_audio_buffer.cleared"
            return assert_sdk_parses(emu)

    seen = arun(body())
    assert {
        "session.created",
        "session.updated",
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.output_audio.delta",
        "response.output_audio_transcript.delta",
        "response.output_audio.done",
        "response.output_audio_transcript.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.done",
        "rate_limits.updated",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "conversation.item.input_audio_transcription.delta",
        "conversation.item.input_audio_transcription.completed",
        "input_audio_buffer.cleared",
        "error",
    } <= seen


def test_sdk_parses_cancel_truncate_retrieve_delete_events() -> None:
    async def body() -> set[str]:
        async with Emulator(speed=2.0) as emu:
            client = AsyncOpenAI(api_key="sk-test", base_url=emu.base_url)
            async with client.realtime.connect(model="gpt-realtime") as conn:
                await conn.recv()
                await conn.conversation.item.create(
                    item={
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": "hello"}],
                    }
                )
                await conn.response.create()
                item_id = ""
                async for event in conn:
                    if event.type == "response.output_audio.delta":
                        item_id = event.item_id
                        await conn.response.cancel()
                    if event.type == "response.done":
                        assert event.response.status == "cancelled"
                        break
                await conn.conversation.item.truncate(
                    item_id=item_id, content_index=0, audio_end_ms=50
                )
                assert (await skip_rate_limits(conn)).type == "conversation.item.truncated"
                await conn.conversation.item.retrieve(item_id=item_id)
                retrieved = await skip_rate_limits(conn)
                assert retrieved.type == "conversation.item.retrieved"
                await conn.conversation.item.delete(item_id=item_id)
                assert (await skip_rate_limits(conn)).type == "conversation.item.deleted"
            async with client.realtime.connect(
                model="gpt-realtime", extra_query={"intent": "transcription"}
            ) as conn:
                created = await conn.recv()
                assert created.type == "session.created"
            return assert_sdk_parses(emu)

    seen = arun(body())
    assert {
        "conversation.item.truncated",
        "conversation.item.retrieved",
        "conversation.item.deleted",
    } <= seen


def test_sdk_rest_calls_and_client_secrets() -> None:
    async def body() -> None:
        async with Emulator() as emu:
            client = AsyncOpenAI(api_key="sk-test", base_url=emu.base_url)
            secret = await client.realtime.client_secrets.create(
                session={"type": "realtime", "model": "gpt-realtime", "instructions": "Be kind."},
                expires_after={"anchor": "created_at", "seconds": 600},
            )
            assert secret.value.startswith("ek_")
            assert secret.session.type == "realtime"
            assert secret.session.instructions == "Be kind."
            ephemeral = AsyncOpenAI(api_key=secret.value, base_url=emu.base_url)
            raw = await ephemeral.realtime.calls.with_raw_response.create(
                sdp=OFFER, session={"type": "realtime", "instructions": "Call me."}
            )
            call_id = raw.headers["location"].rsplit("/", 1)[-1]
            assert call_id.startswith("rtc_")
            answer = raw.parse()
            assert answer.content.startswith(b"v=0")
            await client.realtime.calls.hangup(call_id)
            incoming = emu.add_incoming_call()
            await client.realtime.calls.accept(
                incoming, type="realtime", model="gpt-realtime", instructions="SIP"
            )
            await client.realtime.calls.refer(incoming, target_uri="sip:agent@example.com")
            declined = emu.add_incoming_call()
            await client.realtime.calls.reject(declined, status_code=486)
            assert emu.calls.calls[call_id].history == ["create", "hangup"]
            assert emu.calls.calls[incoming].history == ["incoming", "accept", "refer"]
            assert emu.calls.calls[declined].reject_status == 486
            from openai import NotFoundError

            with pytest.raises(NotFoundError):
                await client.realtime.calls.hangup("rtc_missing")

    arun(body())
