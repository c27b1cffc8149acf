"""Our models against the official SDK's `openai.types.realtime`: every event type it knows,
built through its own models (minimal, null and maximal shapes, every union variant), must
decode to our class of the same wire type and re-encode to the same JSON."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest

from realtime_cli.protocol import (
    CLIENT_EVENT_TYPES,
    SERVER_EVENT_TYPES,
    decode_client_event,
    decode_server_event,
    encode_client_event,
    encode_server_event,
)
from realtime_cli.protocol.base import wire_class_name
from tests.protocol.sdk_instances import payloads, undeclared_fields, union_members, wire_type_of

realtime_types = pytest.importorskip("openai.types.realtime")
SDK_SERVER = union_members(realtime_types.RealtimeServerEvent)
SDK_CLIENT = union_members(realtime_types.RealtimeClientEvent)
CLIENT_ADAPTER: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(realtime_types.RealtimeClientEvent)


def test_sdk_unions_are_the_ga_sets() -> None:
    # PROTOCOL.md: 46 server and 11 client events in SDK 3.54; a newer SDK may add more,
    # which the per-type tests below then demand of us.
    assert len(SDK_SERVER) >= 46
    assert len(SDK_CLIENT) >= 11


def test_we_know_every_sdk_event_type() -> None:
    missing_server = {wire_type_of(m) for m in SDK_SERVER} - set(SERVER_EVENT_TYPES)
    missing_client = {wire_type_of(m) for m in SDK_CLIENT} - set(CLIENT_EVENT_TYPES)
    assert not missing_server, f"server events we lack: {sorted(missing_server)}"
    assert not missing_client, f"client events we lack: {sorted(missing_client)}"


def test_class_names_follow_the_wire_type() -> None:
    for table in (SERVER_EVENT_TYPES, CLIENT_EVENT_TYPES):
        for wire, cls in table.items():
            assert cls.__name__ == wire_class_name(wire)
            assert cls.__struct_config__.tag == wire


@pytest.mark.parametrize("sdk_model", SDK_SERVER, ids=wire_type_of)
def test_server_event_round_trips(sdk_model: type[pydantic.BaseModel]) -> None:
    wire = wire_type_of(sdk_model)
    for label, payload in payloads(sdk_model):
        expected = sdk_model.model_validate(payload).model_dump(
            mode="json", by_alias=True, exclude_unset=True
        )
        data = json.dumps(expected).encode()
        ours = decode_server_event(data)
        assert type(ours) is SERVER_EVENT_TYPES[wire], label
        assert json.loads(encode_server_event(ours)) == expected, label


@pytest.mark.parametrize("sdk_model", SDK_CLIENT, ids=wire_type_of)
def test_client_event_round_trips(sdk_model: type[pydantic.BaseModel]) -> None:
    wire = wire_type_of(sdk_model)
    for label, payload in payloads(sdk_model):
        expected = sdk_model.model_validate(payload).model_dump(
            mode="json", by_alias=True, exclude_unset=True
        )
        ours = decode_client_event(json.dumps(expected))
        assert type(ours) is CLIENT_EVENT_TYPES[wire], label
        encoded = encode_client_event(ours, validate=False)
        assert json.loads(encoded) == expected, label
        # What we send validates in the SDK, and holds no field the SDK does not declare.
        parsed = CLIENT_ADAPTER.validate_json(encoded)
        assert type(parsed) is sdk_model, label
        assert undeclared_fields(parsed) == [], label


def test_typical_client_events_validate_in_the_sdk() -> None:
    from realtime_cli.protocol import (
        AudioFormat,
        ContentPart,
        ConversationItemCreate,
        ConversationItemTruncate,
        InputAudioBufferAppend,
        InputAudioConfig,
        MessageItem,
        OutputAudioConfig,
        RealtimeAudioConfig,
        RealtimeSession,
        ResponseCreate,
        ResponseCreateParams,
        ServerVad,
        SessionUpdate,
        Tool,
    )

    session = RealtimeSession(
        model="gpt-realtime",
        output_modalities=["audio"],
        instructions="Be brief.",
        audio=RealtimeAudioConfig(
            input=InputAudioConfig(
                format=AudioFormat.pcm(), turn_detection=ServerVad(threshold=0.5)
            ),
            output=OutputAudioConfig(format=AudioFormat.pcm(), voice="marin", speed=1.0),
        ),
        tools=[
            Tool.function("get_time", "Tell the time", {"type": "object", "properties": {}}),
            Tool.mcp("docs", server_url="https://mcp.example/sse", require_approval="never"),
        ],
        tool_choice="auto",
        max_output_tokens="inf",
    )
    events = [
        SessionUpdate(session=session, event_id="evt_1"),
        InputAudioBufferAppend.from_pcm16(b"\x01\x00" * 480),
        ConversationItemCreate(
            item=MessageItem(role="user", content=[ContentPart.input_text("hi")])
        ),
        ConversationItemTruncate(item_id="item_1", content_index=0, audio_end_ms=1200),
        ResponseCreate(
            response=ResponseCreateParams(
                output_modalities=["text"], conversation="none", metadata={"k": "v"}
            )
        ),
    ]
    for event in events:
        parsed = CLIENT_ADAPTER.validate_json(encode_client_event(event))
        assert parsed.type == event.type
        assert undeclared_fields(parsed) == []
