"""Client-side GA rules: each names the field path and the rule, before anything is sent."""

from __future__ import annotations

import base64

import pytest

from realtime_cli.protocol import (
    MAX_APPEND_BYTES,
    AudioFormat,
    ContentPart,
    ConversationItemCreate,
    ConversationItemTruncate,
    InputAudioBufferAppend,
    InputAudioConfig,
    InvalidClientEvent,
    MessageItem,
    OutputAudioConfig,
    RealtimeAudioConfig,
    RealtimeSession,
    ResponseAudio,
    ResponseCreate,
    ResponseCreateParams,
    SemanticVad,
    ServerVad,
    SessionUpdate,
    Tool,
    TranscriptionAudioConfig,
    TranscriptionSession,
    UnknownClientEvent,
    encode_client_event,
    validate_client_event,
)
from realtime_cli.protocol.base import Model


def _session(**fields: object) -> SessionUpdate:
    return SessionUpdate(session=RealtimeSession(**fields))  # type: ignore[arg-type]


def _rejects(event: object, path: str, words: str) -> None:
    with pytest.raises(InvalidClientEvent) as caught:
        encode_client_event(event)  # type: ignore[arg-type]
    assert caught.value.path == path
    assert words in caught.value.rule
    assert f"{path}: " in str(caught.value)


def _output(**fields: object) -> RealtimeAudioConfig:
    return RealtimeAudioConfig(output=OutputAudioConfig(**fields))  # type: ignore[arg-type]


def _input(**fields: object) -> RealtimeAudioConfig:
    return RealtimeAudioConfig(input=InputAudioConfig(**fields))  # type: ignore[arg-type]


@pytest.mark.parametrize("modalities", [["audio", "text"], [], ["video"], ["text", "text"]])
def test_output_modalities_exactly_one(modalities: list[str]) -> None:
    _rejects(_session(output_modalities=modalities), "session.output_modalities", "exactly")
    _rejects(
        ResponseCreate(response=ResponseCreateParams(output_modalities=modalities)),
        "response.output_modalities",
        "exactly",
    )


@pytest.mark.parametrize("modalities", [["audio"], ["text"]])
def test_one_modality_passes(modalities: list[str]) -> None:
    validate_client_event(_session(output_modalities=modalities))


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 48000])
def test_pcm_rate_must_be_24000_everywhere(rate: int) -> None:
    fmt = AudioFormat(type="audio/pcm", rate=rate)
    _rejects(_session(audio=_input(format=fmt)), "session.audio.input.format.rate", "24000")
    _rejects(_session(audio=_output(format=fmt)), "session.audio.output.format.rate", "24000")
    _rejects(
        SessionUpdate(
            session=TranscriptionSession(
                audio=TranscriptionAudioConfig(input=InputAudioConfig(format=fmt))
            )
        ),
        "session.audio.input.format.rate",
        "24000",
    )
    _rejects(
        ResponseCreate(
            response=ResponseCreateParams(audio=ResponseAudio(output=OutputAudioConfig(format=fmt)))
        ),
        "response.audio.output.format.rate",
        "24000",
    )


def test_pcm_rate_must_be_sent_and_g711_needs_none() -> None:
    fmt = AudioFormat(type="audio/pcm")
    _rejects(_session(audio=_input(format=fmt)), "session.audio.input.format.rate", "missing")
    validate_client_event(_session(audio=_input(format=AudioFormat.pcmu())))
    validate_client_event(_session(audio=_output(format=AudioFormat.pcma())))
    _rejects(
        _session(audio=_output(format=AudioFormat(type="pcm16"))),
        "session.audio.output.format.type",
        "audio/pcm",
    )


def test_append_accepts_up_to_15_mib() -> None:
    validate_client_event(InputAudioBufferAppend(audio=b""))
    validate_client_event(InputAudioBufferAppend(audio=bytes(MAX_APPEND_BYTES)))
    _rejects(InputAudioBufferAppend(audio=bytes(MAX_APPEND_BYTES + 2)), "audio", "15 MiB")
    # No source refuses an odd byte count, and G.711 has one byte per sample.
    validate_client_event(InputAudioBufferAppend(audio=b"\x00\x01\x02"))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("AAA", "multiple of 4"),
        ("AA-_", "only A-Z"),
        ("AA A", "only A-Z"),
        ("A=AA", "only A-Z"),
        ("AB==", "trailing bits"),
    ],
)
def test_append_base64_text_must_be_canonical(text: str, words: str) -> None:
    _rejects(InputAudioBufferAppend(audio=text), "audio", words)  # type: ignore[arg-type]


def test_append_canonical_base64_text_passes() -> None:
    validate_client_event(InputAudioBufferAppend(audio="AAE="))  # type: ignore[arg-type]


def test_append_base64_text_size_limit() -> None:
    ok = base64.b64encode(bytes(MAX_APPEND_BYTES)).decode()
    validate_client_event(InputAudioBufferAppend(audio=ok))  # type: ignore[arg-type]
    too_big = base64.b64encode(bytes(MAX_APPEND_BYTES + 2)).decode()
    _rejects(InputAudioBufferAppend(audio=too_big), "audio", "15 MiB")  # type: ignore[arg-type]


@pytest.mark.parametrize("speed", [0.2, 1.6, -1.0])
def test_speed_range(speed: float) -> None:
    _rejects(_session(audio=_output(speed=speed)), "session.audio.output.speed", "0.25 to 1.5")


def test_speed_edges_pass() -> None:
    validate_client_event(_session(audio=_output(speed=0.25)))
    validate_client_event(_session(audio=_output(speed=1.5)))


@pytest.mark.parametrize("threshold", [-0.1, 1.01])
def test_vad_threshold_range(threshold: float) -> None:
    _rejects(
        _session(audio=_input(turn_detection=ServerVad(threshold=threshold))),
        "session.audio.input.turn_detection.threshold",
        "0 to 1",
    )


def test_vad_eagerness() -> None:
    _rejects(
        _session(audio=_input(turn_detection=SemanticVad(eagerness="eager"))),
        "session.audio.input.turn_detection.eagerness",
        "low, medium, high, auto",
    )
    validate_client_event(_session(audio=_input(turn_detection=None)))


@pytest.mark.parametrize("tokens", [0, 4097, "infinite", -3])
def test_max_output_tokens(tokens: object) -> None:
    _rejects(_session(max_output_tokens=tokens), "session.max_output_tokens", "1 to 4096")
    _rejects(
        ResponseCreate(response=ResponseCreateParams(max_output_tokens=tokens)),  # type: ignore[arg-type]
        "response.max_output_tokens",
        "1 to 4096",
    )


def test_max_output_tokens_passes() -> None:
    for tokens in (1, 4096, "inf"):
        validate_client_event(_session(max_output_tokens=tokens))


def test_metadata_limits() -> None:
    def create(metadata: dict[str, str]) -> ResponseCreate:
        return ResponseCreate(response=ResponseCreateParams(metadata=metadata))

    validate_client_event(create({"k" * 64: "v" * 512}))
    _rejects(create({"k" * 65: "v"}), f"response.metadata.{'k' * 65}", "64 characters")
    _rejects(create({"k": "v" * 513}), "response.metadata.k", "512 characters")
    _rejects(create({str(i): "v" for i in range(17)}), "response.metadata", "16 pairs")


def test_mcp_tool_needs_server_url_connector_or_tunnel() -> None:
    _rejects(_session(tools=[Tool.mcp("docs")]), "session.tools[0]", "server_url, connector_id")
    validate_client_event(_session(tools=[Tool.mcp("docs", server_url="https://x.example")]))
    validate_client_event(_session(tools=[Tool.mcp("mail", connector_id="connector_gmail")]))
    tunnel = Tool(type="mcp", server_label="intranet", tunnel_id="tun_1")
    validate_client_event(_session(tools=[tunnel]))
    _rejects(
        ResponseCreate(response=ResponseCreateParams(tools=[Tool.function("ok"), Tool.mcp("d")])),
        "response.tools[1]",
        "server_url, connector_id or tunnel_id",
    )


def test_session_type_is_required() -> None:
    class Bare(Model):
        instructions: str = ""

    _rejects(SessionUpdate(session=Bare()), "session.type", "required")  # type: ignore[arg-type]


def test_beta_event_types_are_refused() -> None:
    _rejects(
        UnknownClientEvent(type="transcription_session.update", raw={}),
        "type",
        "beta-only",
    )


def test_assistant_output_audio_cannot_be_created() -> None:
    # The SDK's types allow it, but the docs say the service cannot create assistant audio
    # (PROTOCOL.md section 2); assistant text is fine.
    item = MessageItem(role="assistant", content=[ContentPart(type="output_audio", audio=b"\0\0")])
    _rejects(ConversationItemCreate(item=item), "item.content[0].type", "assistant audio")
    validate_client_event(ConversationItemCreate(item=MessageItem.assistant_text("Hi.")))


def test_truncate_needs_non_negative_ms() -> None:
    _rejects(
        ConversationItemTruncate(item_id="i", content_index=0, audio_end_ms=-1),
        "audio_end_ms",
        ">= 0",
    )


def test_validation_can_be_skipped_for_emulator_tests() -> None:
    event = _session(output_modalities=["audio", "text"])
    assert b'"output_modalities":["audio","text"]' in encode_client_event(event, validate=False)
