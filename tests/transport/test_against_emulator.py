"""The transport against the in-process emulator, over real sockets on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from realtime_cli.emulator import Call, Emulator
from realtime_cli.protocol import (
    ContentPart,
    ConversationItemAdded,
    ConversationItemCreate,
    ConversationItemTruncate,
    ConversationItemTruncated,
    Error,
    FunctionCallOutputItem,
    InvalidClientEvent,
    MessageItem,
    RealtimeSession,
    ResponseCancel,
    ResponseCreate,
    ResponseCreated,
    ResponseDone,
    ResponseFunctionCallArgumentsDone,
    ResponseOutputAudioDelta,
    ResponseOutputTextDone,
    SessionCreated,
    SessionUpdate,
    SessionUpdated,
    Tool,
)
from realtime_cli.transport import (
    APIError,
    AuthenticationError,
    ConnectOptions,
    ModelError,
    RealtimeConnection,
    ReceivedEvent,
    RestClient,
)

from .helpers import API_KEY, run

E = TypeVar("E")


async def until(conn: RealtimeConnection, kind: type[E], limit: int = 500) -> E:
    """The next event of type `kind`, skipping others (bounded so a bug cannot hang)."""
    for _ in range(limit):
        event = await conn.recv()
        if isinstance(event, kind):
            return event
        assert not isinstance(event, Error), f"unexpected error: {event.error}"
    raise AssertionError(f"no {kind.__name__} within {limit} events")


def with_emulator(body: Callable[[Emulator, ConnectOptions], Awaitable[None]], **kw: Any) -> None:
    async def main() -> None:
        kw.setdefault("speed", 1000.0)
        async with Emulator(**kw) as emu:
            options = ConnectOptions(api_key=API_KEY, model="gpt-realtime", base_url=emu.base_url)
            await body(emu, options)

    run(main(), timeout=20)


def call_of(emu: Emulator, call_id: str) -> Call:
    call = emu.calls.get(call_id)
    assert call is not None, f"the emulator has no call {call_id}"
    return call


async def text_session(conn: RealtimeConnection, **session: Any) -> None:
    await conn.send(SessionUpdate(session=RealtimeSession(output_modalities=["text"], **session)))
    await until(conn, SessionUpdated)


def test_text_response() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        emu.queue_reply("Hi there.")
        async with RealtimeConnection.connect(options) as conn:
            assert isinstance(conn.session_created, SessionCreated)
            await text_session(conn)
            await conn.send(ConversationItemCreate(item=MessageItem.user_text("Hello")))
            await conn.send(ResponseCreate())
            done_text = await until(conn, ResponseOutputTextDone)
            assert done_text.text == "Hi there."
            done = await until(conn, ResponseDone)
            assert done.response.status == "completed"
            assert conn.malformed_frames == 0

    with_emulator(body)


def test_function_call_round_trip() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        emu.set_tool_arguments("get_weather", {"city": "Paris"})
        emu.queue_reply("It is sunny in Paris.")
        tool = Tool.function(
            "get_weather", "The weather in a city", {"type": "object", "properties": {}}
        )
        async with RealtimeConnection.connect(options) as conn:
            await text_session(conn, tools=[tool])
            await conn.send(
                ConversationItemCreate(item=MessageItem.user_text("get_weather for Paris"))
            )
            await conn.send(ResponseCreate())
            call = await until(conn, ResponseFunctionCallArgumentsDone)
            assert call.name == "get_weather"
            assert call.arguments.replace(" ", "") == '{"city":"Paris"}'
            await until(conn, ResponseDone)
            output = FunctionCallOutputItem(call_id=call.call_id, output='{"sky":"sunny"}')
            await conn.send(ConversationItemCreate(item=output))
            await conn.send(ResponseCreate())
            answer = await until(conn, ResponseOutputTextDone)
            assert answer.text == "It is sunny in Paris."

    with_emulator(body)


def test_cancel_an_audio_response() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        emu.queue_reply("A long answer that takes a while to say out loud. " * 5)
        async with RealtimeConnection.connect(options) as conn:
            await conn.send(ConversationItemCreate(item=MessageItem.user_text("Talk")))
            await conn.send(ResponseCreate())
            created = await until(conn, ResponseCreated)
            await until(conn, ResponseOutputAudioDelta)
            await conn.send(ResponseCancel())
            done = await until(conn, ResponseDone)
            assert done.response.id == created.response.id
            assert done.response.status == "cancelled"

    with_emulator(body, speed=5.0)


def test_truncate_an_audio_item() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        emu.queue_reply("Hello there, this is audio.")
        async with RealtimeConnection.connect(options) as conn:
            await conn.send(ConversationItemCreate(item=MessageItem.user_text("Hi")))
            await conn.send(ResponseCreate())
            delta = await until(conn, ResponseOutputAudioDelta)
            await until(conn, ResponseDone)
            await conn.send(
                ConversationItemTruncate(item_id=delta.item_id, content_index=0, audio_end_ms=100)
            )
            truncated = await until(conn, ConversationItemTruncated)
            assert (truncated.item_id, truncated.audio_end_ms) == (delta.item_id, 100)

    with_emulator(body)


def test_non_fatal_error_is_matched_to_its_cause() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        async with RealtimeConnection.connect(options) as conn:
            event_id = await conn.send(
                ConversationItemTruncate(item_id="item_nope", content_index=0, audio_end_ms=0)
            )
            event: ReceivedEvent = await conn.recv()
            while not isinstance(event, Error):
                event = await conn.recv()
            assert event.error.event_id == event_id
            cause = conn.cause_of(event)
            assert isinstance(cause, ConversationItemTruncate)
            assert cause.item_id == "item_nope"
            # The session goes on.
            await text_session(conn)

    with_emulator(body)


def test_bad_key_is_an_authentication_error() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        bad = ConnectOptions(
            api_key="sk-wrong-key-0000000000", model="gpt-realtime", base_url=emu.base_url
        )
        with pytest.raises(AuthenticationError, match=r"server closed 3000 .*invalid_api_key"):
            await RealtimeConnection.connect(bad)

    with_emulator(body, api_keys=[API_KEY])


def test_bad_model_is_a_model_error() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        bad = ConnectOptions(api_key=API_KEY, model="gpt-nope", base_url=emu.base_url)
        with pytest.raises(ModelError, match=r"^unknown model 'gpt-nope' \(server closed 4000"):
            await RealtimeConnection.connect(bad)

    with_emulator(body)


SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"


def test_rest_calls() -> None:
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        session = RealtimeSession(model="gpt-realtime", instructions="Be brief.")
        async with RestClient(api_key=API_KEY, base_url=emu.base_url) as rest:
            secret = await rest.create_client_secret(session, expires_after_seconds=600)
            assert secret.value.startswith("ek_")
            assert isinstance(secret.session, RealtimeSession)
            # The ephemeral key opens a websocket session.
            ephemeral = ConnectOptions(api_key=secret.value, base_url=emu.base_url)
            async with RealtimeConnection.connect(ephemeral) as conn:
                assert conn.session_created is not None

            raw = await rest.create_call(SDP)
            assert raw.call_id.startswith("rtc_")
            assert raw.sdp.startswith("v=0")
            multi = await rest.create_call(SDP, session)
            accepted = call_of(emu, multi.call_id).session
            assert isinstance(accepted, RealtimeSession)
            assert accepted.instructions == "Be brief."
            await rest.refer_call(multi.call_id, "tel:+14155550123")
            assert call_of(emu, multi.call_id).refer_target == "tel:+14155550123"
            await rest.hangup_call(raw.call_id)
            assert call_of(emu, raw.call_id).state == "ended"

            ringing = emu.add_incoming_call()
            await rest.accept_call(ringing, session)
            assert call_of(emu, ringing).state == "active"
            declined = emu.add_incoming_call()
            await rest.reject_call(declined, status_code=486)
            assert call_of(emu, declined).reject_status == 486

            with pytest.raises(APIError) as caught:
                await rest.hangup_call("rtc_missing")
            assert caught.value.status_code == 404
            assert caught.value.error_code == "call_not_found"

    with_emulator(body)


def test_client_validation_refuses_assistant_audio_the_service_refuses() -> None:
    # The service cannot create assistant audio (PROTOCOL.md section 2; the emulator refuses
    # it too, tests/emulator): rt refuses it before sending; assistant text goes out.
    async def body(emu: Emulator, options: ConnectOptions) -> None:
        async with RealtimeConnection.connect(options) as conn:
            item = MessageItem(
                role="assistant",
                content=[ContentPart(type="output_audio", audio=bytes(4800), transcript="Hi.")],
            )
            with pytest.raises(InvalidClientEvent):
                await conn.send(ConversationItemCreate(item=item))
            await conn.send(ConversationItemCreate(item=MessageItem.assistant_text("Hi.")))
            added = await until(conn, ConversationItemAdded)
            assert isinstance(added.item, MessageItem) and added.item.role == "assistant"
            sent = [e for e in emu.client_events() if isinstance(e, ConversationItemCreate)]
            assert len(sent) == 1

    with_emulator(body)
