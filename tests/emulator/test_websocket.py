"""End to end over a real socket, with the `websockets` client."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from realtime_cli.emulator import ClientFrame, Emulator, WebSocketOpened
from realtime_cli.protocol import (
    ConversationItemCreate,
    Error,
    FunctionCallItem,
    MessageItem,
    RealtimeSession,
    ResponseCreate,
    ResponseCreateParams,
    ResponseDone,
    ResponseOutputAudioDelta,
    SessionCreated,
    SessionUpdate,
    Tool,
)
from tests.emulator.support import FAST, Client, append_events, arun, connect, speech_pcm

TEXT_ONLY = {
    "type": "session.update",
    "session": {"type": "realtime", "output_modalities": ["text"]},
}


def say(text: str) -> ConversationItemCreate:
    return ConversationItemCreate(item=MessageItem.user_text(text))


def types(events: list[Any]) -> list[str]:
    return [event.type for event in events]


async def update(client: Client, session: dict[str, Any]) -> Any:
    await client.send({"type": "session.update", "session": {"type": "realtime", **session}})
    return await client.expect("session.updated")


def test_session_created_is_first_and_recorded() -> None:
    async def body() -> None:
        async with Emulator(speed=FAST) as emu, connect(emu, skip_created=False) as client:
            created = await client.expect("session.created")
            assert isinstance(created, SessionCreated)
            session = created.session
            assert isinstance(session, RealtimeSession)
            assert session.id == "sess_000001" and session.object == "realtime.session"
            assert abs(session.expires_at - (time.time() + 3600)) < 5
            assert session.model == "gpt-realtime"
            await client.send({"type": "input_audio_buffer.clear", "event_id": "e1"})
            await client.expect("input_audio_buffer.cleared")
            opened = emu.received[0]
            assert isinstance(opened, WebSocketOpened)
            assert opened.query == {"model": "gpt-realtime"}
            assert opened.headers["authorization"] == "Bearer sk-test"
            frame = emu.received[1]
            assert isinstance(frame, ClientFrame) and frame.event is not None
            assert frame.event.event_id == "e1"
            assert emu.connections[0].sent_types() == [
                "session.created",
                "input_audio_buffer.cleared",
            ]

    arun(body())


def test_session_update_merge_and_unknown_parameter_discard() -> None:
    async def body() -> None:
        async with Emulator(speed=FAST) as emu, connect(emu) as client:
            updated = await update(
                client, {"instructions": "Be terse.", "output_modalities": ["text"]}
            )
            assert updated.session.instructions == "Be terse."
            assert updated.session.audio.output.voice == "alloy"
            await client.send(
                {
                    "type": "session.update",
                    "event_id": "bad1",
                    "session": {"type": "realtime", "instructions": "Changed", "voice": "echo"},
                }
            )
            error = await client.expect("error")
            assert error.error.code == "unknown_parameter"
            assert error.error.param == "session.voice" and error.error.event_id == "bad1"
            again = await update(client, {})
            assert again.session.instructions == "Be terse."
            assert again.session.output_modalities == ["text"]

    arun(body())


@pytest.mark.parametrize(
    ("frame", "code", "event_id"),
    [
        ("{oops", "invalid_json", None),
        (b"\x01\x02", "invalid_event", None),
        ('{"type": "response.nonsense", "event_id": "u1"}', "invalid_value", "u1"),
        (
            '{"type": "input_audio_buffer.commit", "event_id": "c1"}',
            "input_audio_buffer_commit_empty",
            "c1",
        ),
    ],
)
def test_errors_are_not_fatal(frame: str | bytes, code: str, event_id: str | None) -> None:
    async def body() -> None:
        async with Emulator(speed=FAST) as emu, connect(emu) as client:
            await client.send(frame)
            error = await client.expect("error")
            assert isinstance(error, Error)
            assert error.error.code == code and error.error.event_id == event_id
            assert error.error.type == "invalid_request_error"
            await update(client, {"instructions": "still open"})

    arun(body())


def test_text_turn_follows_the_typical_sequence() -> None:
    async def body() -> None:
        async with Emulator(speed=FAST) as emu, connect(emu) as client:
            await client.send(TEXT_ONLY)
            await client.expect("session.updated")
            await client.send(say("What time is it"))
            added = await client.expect("conversation.item.added")
            assert added.previous_item_id is None and added.item.id == "item_000001"
            await client.expect("conversation.item.done")
            await client.send(ResponseCreate(response=ResponseCreateParams(metadata={"k": "v"})))
            events = await client.recv_until("rate_limits.updated")
            names = [n for i, n in enumerate(types(events)) if i == 0 or n != types(events)[i - 1]]
            assert names == [
                "response.created",
                "response.output_item.added",
                "conversation.item.added",
                "response.content_part.added",
                "response.output_text.delta",
                "response.output_text.done",
                "response.content_part.done",
                "conversation.item.done",
                "response.output_item.done",
                "response.done",
                "rate_limits.updated",
            ]
            done = events[-2]
            assert isinstance(done, ResponseDone)
            assert done.response.metadata == {"k": "v"}
            assert done.response.output[0].content[0].text == "You said: What time is it."
            part = events[3]
            assert part.part.type == "text"
            assert events[2].previous_item_id == "item_000001"

    arun(body())


def test_audio_response_streams_chunks_faster_than_real_time() -> None:
    async def body() -> None:
        speed = 20.0
        async with Emulator(speed=speed) as emu, connect(emu) as client:
            emu.queue_reply("This reply is long enough to need quite a few audio chunks.")
            await client.send(say("hi"))
            await client.recv_until("conversation.item.done")
            await client.send(ResponseCreate())
            arrivals: list[tuple[float, int]] = []
            transcript = ""
            events = []
            while True:
                event = await client.recv()
                events.append(event)
                if isinstance(event, ResponseOutputAudioDelta):
                    arrivals.append((time.monotonic(), len(event.delta)))
                elif event.type == "response.output_audio_transcript.delta":
                    transcript += event.delta
                elif event.type == "rate_limits.updated":
                    break
            sizes_ms = [size / 48 for _, size in arrivals]
            assert all(100 <= ms <= 200 for ms in sizes_ms[:-1]) and sizes_ms[-1] <= 200
            audio_s = sum(sizes_ms) / 1000
            elapsed = arrivals[-1][0] - arrivals[0][0]
            assert audio_s > 2.0
            assert elapsed < audio_s  # faster than real time
            assert elapsed > (audio_s - 0.15) / speed * 0.5  # but paced, not one burst
            done_transcript = next(
                e for e in events if e.type == "response.output_audio_transcript.done"
            )
            assert transcript == done_transcript.transcript == emu_reply(events)
            item_done = next(e for e in events if e.type == "conversation.item.done")
            assert item_done.item.content[0].to_dict() == {
                "type": "output_audio",
                "transcript": transcript,
            }
            assert (
                next(e for e in events if e.type == "response.content_part.added").part.type
                == "audio"
            )
            done = next(e for e in events if isinstance(e, ResponseDone))
            usage = done.response.usage
            assert usage.output_token_details.audio_tokens > 0
            await client.send({"type": "conversation.item.retrieve", "item_id": item_done.item.id})
            retrieved = await client.expect("conversation.item.retrieved")
            assert len(retrieved.item.content[0].audio) == sum(size for _, size in arrivals)

    arun(body())


def emu_reply(events: list[Any]) -> str:
    return str(
        next(e for e in events if e.type == "response.output_audio_transcript.done").transcript
    )


def test_vad_turn_with_transcription_and_auto_response() -> None:
    async def body() -> None:
        async with Emulator(speed=FAST) as emu, connect(emu) as client:
            emu.queue_transcript("turn on the lights")
            await update(
                client,
                {"audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}}},
            )
            pcm = speech_pcm(
                ("silence", 200), ("tone", 500), ("silence", 80), ("tone", 400), ("silence", 500)
            )
            for event in append_events(pcm, chunk_ms=20):
                await client.send(event)
            events = await client.recv_until("response.done")
            names = types(events)
            assert names[:5] == [
                "input_audio_buffer.speech_started",
                "input_audio_buffer.speech_stopped",
                "input_audio_buffer.committed",
                "conversation.item.added",
                "conversation.item.done",
            ]
            assert events[0].audio_start_ms == 0 and events[1].audio_end_ms == 1180 + 200
            deltas = "".join(e.delta for e in events if e.type.endswith("transcription.delta"))
            completed = next(e for e in events if e.type.endswith("transcription.completed"))
            assert deltas == completed.transcript == "turn on the lights"
            assert completed.usage.type == "tokens"
            assert "response.created" in names
            reply = next(e for e in events if e.type == "response.output_audio_transcript.done")
            assert reply.transcript == "You said: turn on the lights."

    arun(body())


def test_speech_during_a_response_cancels_it() -> None:
    async def body() -> None:
        async with Emulator(speed=2.0) as emu, connect(emu) as client:
            emu.queue_reply("A rather long answer that keeps talking for several seconds at least.")
            await client.send(say("talk"))
            await client.recv_until("conversation.item.done")
            await client.send(ResponseCreate())
            await client.recv_until("response.output_audio.delta")
            for event in append_events(speech_pcm(("tone", 200))):
                await client.send(event)
            events = await client.recv_until("response.done")
            assert "input_audio_buffer.speech_started" in types(events)
            assert types(events).index("input_audio_buffer.speech_started") < len(events) - 1
            done = events[-1]
            assert isinstance(done, ResponseDone)
            assert done.response.status == "cancelled"
            assert done.response.status_details.reason == "turn_detected"
            assert done.response.output[0].status == "incomplete"

    arun(body())


def test_function_call_round_trip() -> None:
    async def body() -> None:
        async with Emulator(speed=FAST) as emu, connect(emu) as client:
            emu.set_tool_arguments("lookup_order", {"order": 42})
            await client.send(
                SessionUpdate(
                    session=RealtimeSession(
                        output_modalities=["text"],
                        tools=[Tool.function("lookup_order", "Find an order")],
                    )
                )
            )
            await client.expect("session.updated")
            await client.send(say("Please lookup order 42"))
            await client.recv_until("conversation.item.done")
            await client.send(ResponseCreate())
            events = await client.recv_until("response.done")
            args_done = next(e for e in events if e.type == "response.function_call_arguments.done")
            assert args_done.name == "lookup_order" and args_done.arguments == '{"order": 42}'
            assert args_done.call_id.startswith("call_")
            deltas = "".join(
                e.delta for e in events if e.type == "response.function_call_arguments.delta"
            )
            assert deltas == args_done.arguments
            item = events[-1].response.output[0]
            assert isinstance(item, FunctionCallItem) and item.status == "completed"
            await client.send(
                {
                    "type": "conversation.item.create",
                    "item": {
                        "type": "function_call_output",
                        "call_id": item.call_id,
                        "output": "shipped",
                    },
                }
            )
            await client.recv_until("conversation.item.done")
            await client.send(ResponseCreate())
            events = await client.recv_until("response.done")
            text = next(e for e in events if e.type == "response.output_text.done")
            assert "shipped" in text.text

    arun(body())


def test_cancel_active_response_and_nothing_to_cancel() -> None:
    async def body() -> None:
        async with Emulator(speed=1.0) as emu, connect(emu) as client:
            await client.send(say("hello"))
            await client.recv_until("conversation.item.done")
            await client.send(ResponseCreate())
            await client.recv_until("response.created")
            await client.send(ResponseCreate(event_id="dup"))
            busy = await client.recv_until("error")
            assert busy[-1].error.code == "conversation_already_has_active_response"
            assert busy[-1].error.event_id == "dup"
            await client.send({"type": "response.cancel"})
            done = (await client.recv_until("response.done"))[-1]
            assert done.response.status == "cancelled"
            assert done.response.status_details.reason == "client_cancelled"
            await client.expect("rate_limits.updated")
            await client.send({"type": "response.cancel", "event_id": "x"})
            error = await client.expect("error")
            assert error.error.code == "response_cancel_not_active" and error.error.event_id == "x"
            assert emu.connections[0].close_code is None

    arun(body())


def test_truncate_within_and_beyond_the_audio() -> None:
    async def body() -> None:
        async with Emulator(speed=50.0) as emu, connect(emu) as client:
            emu.queue_reply("One two three four.")
            await client.send(say("count"))
            await client.recv_until("conversation.item.done")
            await client.send(ResponseCreate())
            events = await client.recv_until("response.done")
            item_id = events[-1].response.output[0].id
            total = sum(len(e.delta) for e in events if isinstance(e, ResponseOutputAudioDelta))
            duration_ms = total // 48
            await client.send(
                {
                    "type": "conversation.item.truncate",
                    "item_id": item_id,
                    "content_index": 0,
                    "audio_end_ms": duration_ms + 50,
                    "event_id": "t1",
                }
            )
            error = (await client.recv_until("error"))[-1]
            assert error.error.param is None and error.error.event_id == "t1"
            await client.send(
                {
                    "type": "conversation.item.truncate",
                    "item_id": item_id,
                    "content_index": 0,
                    "audio_end_ms": 500,
                }
            )
            truncated = await client.expect("conversation.item.truncated")
            assert truncated.audio_end_ms == 500 and truncated.item_id == item_id
            await client.send({"type": "conversation.item.retrieve", "item_id": item_id})
            item = (await client.expect("conversation.item.retrieved")).item
            assert len(item.content[0].audio) == 500 * 48
            # The service deletes the transcript of a truncated item (documented).
            assert item.content[0].transcript is None
            await client.send(
                {
                    "type": "conversation.item.truncate",
                    "item_id": "nope",
                    "content_index": 0,
                    "audio_end_ms": 1,
                }
            )
            assert (await client.expect("error")).error.code == "item_truncate_invalid_item_id"

    arun(body())


def test_items_create_root_retrieve_delete_and_out_of_band() -> None:
    async def body() -> None:
        async with Emulator(speed=FAST) as emu, connect(emu) as client:
            await client.send(TEXT_ONLY)
            await client.expect("session.updated")
            await client.send(say("second"))
            await client.recv_until("conversation.item.done")
            await client.send(
                ConversationItemCreate(
                    item=MessageItem.user_text("first", id="mine"), previous_item_id="root"
                )
            )
            added = await client.expect("conversation.item.added")
            assert added.item.id == "mine" and added.previous_item_id is None
            await client.expect("conversation.item.done")
            await client.send({"type": "conversation.item.delete", "item_id": "mine"})
            assert (await client.expect("conversation.item.deleted")).item_id == "mine"
            await client.send({"type": "conversation.item.retrieve", "item_id": "mine"})
            assert (await client.expect("error")).error.code == "item_retrieve_invalid_item_id"
            await client.send(
                ResponseCreate(
                    response=ResponseCreateParams(
                        conversation="none",
                        input=[MessageItem.user_text("classify this")],
                        metadata={"purpose": "classify"},
                    )
                )
            )
            events = await client.recv_until("response.done")
            assert "conversation.item.added" not in types(events)
            done = events[-1].response
            assert done.conversation_id is None and done.metadata == {"purpose": "classify"}
            assert done.output[0].content[0].text == "You said: classify this."

    arun(body())


@pytest.mark.parametrize(
    ("key", "query", "headers", "code", "close"),
    [
        ("bad-key", {"model": "gpt-realtime"}, {}, "invalid_api_key", 3000),
        # Captured: no code, and the close reason is the type alone (PROTOCOL.md section 11).
        (None, {"model": "gpt-realtime"}, {}, None, 3000),
        ("sk-test", {"model": "gpt-nope"}, {}, "invalid_model", 4000),
        ("sk-test", {}, {}, "missing_model", 4000),
        (
            "sk-test",
            {"model": "gpt-realtime"},
            {"OpenAI-Beta": "realtime=v1"},
            "beta_api_shape_disabled",
            4000,
        ),
    ],
)
def test_refusals_after_the_upgrade(
    key: str | None, query: dict[str, str], headers: dict[str, str], code: str | None, close: int
) -> None:
    async def body() -> None:
        async with (
            Emulator() as emu,
            connect(
                emu, model=None, key=key, query=query, headers=headers, skip_created=False
            ) as client,
        ):
            error = await client.expect("error")
            assert error.error.code == code and error.error.type == "invalid_request_error"
            with pytest.raises(ConnectionClosed):
                await client.recv()
            assert client.ws.close_code == close
            reason = "invalid_request_error" + ("" if code is None else f".{code}")
            assert client.ws.close_reason == reason
            # The service's wording (PROTOCOL.md section 11).
            if key is None:
                assert error.error.message == "Missing bearer or basic authentication in header."
            if code == "invalid_model":
                assert error.error.message.startswith(
                    'Model "gpt-nope" is not supported in realtime mode.'
                )
            if code == "missing_model":
                assert error.error.message.startswith("You must provide a model parameter")
                assert "?model=" in error.error.message

    arun(body())


def test_restricted_keys_and_minted_secret_session() -> None:
    async def body() -> None:
        import httpx

        async with Emulator(api_keys={"sk-only"}) as emu:
            async with connect(emu, key="sk-other", skip_created=False) as client:
                assert (await client.expect("error")).error.code == "invalid_api_key"
            async with httpx.AsyncClient(base_url=emu.base_url) as http:
                minted = await http.post(
                    "/realtime/client_secrets",
                    headers={"Authorization": "Bearer sk-only"},
                    json={
                        "session": {
                            "type": "realtime",
                            "model": "gpt-realtime-mini",
                            "instructions": "Pirate.",
                        }
                    },
                )
            secret = minted.json()["value"]
            async with connect(emu, key=secret, model=None, skip_created=False) as client:
                created = await client.expect("session.created")
                assert created.session.model == "gpt-realtime-mini"
                assert created.session.instructions == "Pirate."

    arun(body())


def test_transcription_intent_session() -> None:
    async def body() -> None:
        async with (
            Emulator() as emu,
            connect(
                emu, model=None, query={"intent": "transcription"}, skip_created=False
            ) as client,
        ):
            created = await client.expect("session.created")
            assert created.session.type == "transcription"
            assert created.session.object == "realtime.transcription_session"
            vad = created.session.to_dict()["audio"]["input"]["turn_detection"]
            assert vad == {
                "type": "server_vad",
                "threshold": 0.5,
                "prefix_padding_ms": 300,
                "silence_duration_ms": 200,
            }
            await client.send(ResponseCreate())
            assert (await client.expect("error")).error.param == "type"

    arun(body())


def test_client_pings_are_answered_and_close_is_clean() -> None:
    async def body() -> None:
        async with Emulator() as emu:
            async with connect(emu) as client:
                latency = await client.ws.ping()
                await asyncio.wait_for(latency, 2)
            await asyncio.sleep(0.05)
            assert emu.connections[0].close_code == 1000

    arun(body())


def test_rejects_websocket_on_other_paths() -> None:
    async def body() -> None:
        async with Emulator() as emu:
            with pytest.raises(websockets.InvalidStatus) as info:
                async with websockets.connect(emu.ws_url.replace("/realtime", "/other")):
                    pass
            assert info.value.response.status_code == 404

    arun(body())


def test_sideband_websocket_joins_a_call_by_id() -> None:
    async def body() -> None:
        import httpx

        async with Emulator() as emu:
            call_id = emu.add_incoming_call()
            async with httpx.AsyncClient(base_url=emu.base_url) as http:
                accepted = await http.post(
                    f"/realtime/calls/{call_id}/accept",
                    headers={"Authorization": "Bearer sk-test"},
                    json={
                        "type": "realtime",
                        "model": "gpt-realtime",
                        "instructions": "On the phone.",
                    },
                )
                assert accepted.status_code == 200
            async with connect(
                emu, model=None, query={"call_id": call_id}, skip_created=False
            ) as client:
                created = await client.expect("session.created")
                assert created.session.instructions == "On the phone."
            async with connect(
                emu, model=None, query={"call_id": "rtc_unknown"}, skip_created=False
            ) as client:
                error = await client.expect("error")
                assert error.error.param == "call_id"
                with pytest.raises(ConnectionClosed):
                    await client.recv()
                assert client.ws.close_code == 4000

    arun(body())


def test_browser_subprotocol_key_is_accepted() -> None:
    async def body() -> None:
        async with (
            Emulator(api_keys={"ek_browser"}) as emu,
            websockets.connect(
                emu.ws_url + "?model=gpt-realtime",
                subprotocols=["realtime", "openai-insecure-api-key.ek_browser"],
            ) as ws,
        ):
            assert ws.subprotocol == "realtime"
            assert '"session.created"' in str(await ws.recv())

    arun(body())


def audio_refusal(event: Error) -> tuple[object, object]:
    """The `param` and `event_id` of the refusal of assistant audio, after checking that
    it is one (a guess at the service's wording; the limitation is documented)."""
    error = event.error
    assert (error.type, error.code) == ("invalid_request_error", "invalid_value")
    assert isinstance(error.message, str)
    assert "cannot be created with audio content" in error.message
    return error.param, error.event_id


@pytest.mark.parametrize("part_type", ["output_audio", "audio"])
def test_assistant_audio_cannot_be_created(part_type: str) -> None:
    """PROTOCOL.md section 2: the service cannot create assistant audio; assistant text is
    fine. The refused item is not in the conversation."""

    async def body() -> None:
        async with Emulator() as emu, connect(emu) as client:
            await client.send(
                {
                    "type": "conversation.item.create",
                    "event_id": "evt_audio",
                    "item": {
                        "id": "item_said",
                        "type": "message",
                        "role": "assistant",
                        "content": [{"type": part_type, "transcript": "Hello there."}],
                    },
                }
            )
            error = await client.expect("error")
            assert audio_refusal(error) == ("item.content[0].type", "evt_audio")
            await client.send({"type": "conversation.item.retrieve", "item_id": "item_said"})
            missing = await client.expect("error")
            assert missing.error.param == "item_id"
            await client.send(ConversationItemCreate(item=MessageItem.assistant_text("Hello.")))
            added = await client.expect("conversation.item.added")
            assert added.item.role == "assistant"

    arun(body())


@pytest.mark.parametrize("part_type", ["output_audio", "audio"])
def test_response_input_cannot_hold_assistant_audio(part_type: str) -> None:
    """What `conversation.item.create` refuses, `response.create` refuses in its `input`
    too, with the same error (its param under `response.input[i]`): no response starts,
    and the session goes on."""

    async def body() -> None:
        async with Emulator() as emu, connect(emu) as client:
            await client.send(
                {
                    "type": "response.create",
                    "event_id": "evt_inline",
                    "response": {
                        "conversation": "none",
                        "output_modalities": ["text"],
                        "input": [
                            {
                                "type": "message",
                                "role": "user",
                                "content": [{"type": "input_text", "text": "Hi."}],
                            },
                            {
                                "type": "message",
                                "role": "assistant",
                                "content": [
                                    {"type": "output_text", "text": "Hello."},
                                    {"type": part_type, "transcript": "Hello there."},
                                ],
                            },
                        ],
                    },
                }
            )
            error = await client.expect("error")
            assert audio_refusal(error) == ("response.input[1].content[1].type", "evt_inline")
            # Refused outright: the next event answers the next request.
            await client.send({"type": "response.create", "response": {"input": []}})
            await client.expect("response.created")

    arun(body())


def test_truncate_refuses_what_is_not_model_audio_yet() -> None:
    """Reported refusals (PROTOCOL.md section 11): a user item or a text item cannot be
    truncated, nor an audio item right after `content_part.added` (no audio yet), with
    `unsupported_content_type`; a negative position is `integer_below_min_value`."""

    def truncate(item_id: str, end_ms: int, event_id: str) -> dict[str, Any]:
        return {
            "type": "conversation.item.truncate",
            "event_id": event_id,
            "item_id": item_id,
            "content_index": 0,
            "audio_end_ms": end_ms,
        }

    async def body() -> None:
        async with Emulator(speed=1.0) as emu, connect(emu) as client:
            await client.send(say("hello"))
            user = (await client.recv_until("conversation.item.done"))[-1].item.id
            await client.send(truncate(user, 0, "user"))
            error = await client.expect("error")
            assert (error.error.code, error.error.event_id) == ("unsupported_content_type", "user")
            assert error.error.message == "Only model output audio messages can be truncated"
            await client.send(ResponseCreate())
            part = (await client.recv_until("response.content_part.added"))[-1]
            await client.send(truncate(part.item_id, 0, "early"))
            events = await client.recv_until("error")
            assert not any(isinstance(e, ResponseOutputAudioDelta) for e in events)
            assert (events[-1].error.code, events[-1].error.event_id) == (
                "unsupported_content_type",
                "early",
            )
            await client.send({"type": "response.cancel"})
            await client.recv_until("response.done")
            await client.send(truncate(part.item_id, -1, "negative"))
            error = (await client.recv_until("error"))[-1]
            assert (error.error.code, error.error.param) == (
                "integer_below_min_value",
                "audio_end_ms",
            )

    arun(body())
