"""Client-side GA rules, checked before an event is sent.

The typed models already make beta-only fields unrepresentable; this module checks what
types cannot: value ranges, exactly-one modality, the 24 kHz PCM rate, audio payload limits,
MCP tool reachability. Each failure raises `InvalidClientEvent(path, rule)`.

Every rule has a source, given next to it: the official SDK's types and docstrings
(openai 3.54, `openai/types/realtime`), the service's observed errors (PROTOCOL.md, section
11 and the 2026-09-18 probe), or the GA/beta split (PROTOCOL.md section 9). A rule without
one would refuse what the service accepts, so there is none.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Callable, Sequence
from typing import Any

from msgspec import UNSET

from realtime_cli.protocol.client_events import (
    CLIENT_EVENT_TYPES,
    BaseClientEvent,
    ConversationItemCreate,
    ConversationItemTruncate,
    InputAudioBufferAppend,
    ResponseCreate,
    SessionUpdate,
)
from realtime_cli.protocol.errors import InvalidClientEvent
from realtime_cli.protocol.items import ItemReference, MessageItem
from realtime_cli.protocol.response import ResponseCreateParams
from realtime_cli.protocol.session import (
    PCM_RATE,
    AudioFormat,
    InputAudioConfig,
    OutputAudioConfig,
    RealtimeSession,
    SemanticVad,
    ServerVad,
    TranscriptionSession,
    VoiceId,
)
from realtime_cli.protocol.tools import Tool
from realtime_cli.protocol.unknown import UnknownClientEvent

__all__ = ["MAX_APPEND_BYTES", "validate_client_event"]

#: The most audio one `input_audio_buffer.append` may carry, decoded.
MAX_APPEND_BYTES = 15 * 1024 * 1024

_MODALITIES = ("audio", "text")
_FORMATS = ("audio/pcm", "audio/pcmu", "audio/pcma")
_NOISE_REDUCTION = ("near_field", "far_field")
_EAGERNESS = ("low", "medium", "high", "auto")
_TOOL_CHOICES = ("auto", "none", "required")
_METADATA_MAX_PAIRS = 16
_METADATA_KEY_MAX = 64
_METADATA_VALUE_MAX = 512
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")

#: Beta event types the GA service rejects, and what to use instead.
BETA_EVENT_TYPES = {
    "transcription_session.update": "session.update with session.type 'transcription'",
}


def _fail(path: str, rule: str) -> None:
    raise InvalidClientEvent(path, rule)


def _set(value: object) -> bool:
    return value is not UNSET and value is not None


def _range(path: str, value: object, low: float, high: float) -> None:
    if not _set(value):
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        _fail(path, f"must be a number from {low:g} to {high:g}, got {value!r}")


def _non_negative(path: str, value: object) -> None:
    if _set(value) and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        _fail(path, f"must be a whole number >= 0, got {value!r}")


def _one_of(path: str, value: object, allowed: Sequence[str]) -> None:
    if _set(value) and value not in allowed:
        _fail(path, f"must be one of {', '.join(allowed)}; got {value!r}")


def _modalities(path: str, value: object) -> None:
    # SDK docstring: "It is not possible to request both `text` and `audio` at the same time."
    if not _set(value):
        return
    if not isinstance(value, list) or len(value) != 1 or value[0] not in _MODALITIES:
        _fail(path, f'must be exactly ["audio"] or ["text"], got {value!r}')


def _max_output_tokens(path: str, value: object) -> None:
    # SDK docstring: "Provide an integer between 1 and 4096 to limit output tokens, or `inf`".
    if value == "inf":
        return
    if _set(value) and (
        isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4096
    ):
        _fail(path, f'must be a whole number from 1 to 4096 or "inf", got {value!r}')


def _format(path: str, fmt: object) -> None:
    if not _set(fmt):
        return
    if not isinstance(fmt, AudioFormat):
        _fail(path, "must be an audio format object")
        return
    # SDK types: the three formats, `rate: Literal[24000]`; the service refuses a lower rate
    # (integer_below_min_value, probe).
    _one_of(f"{path}.type", fmt.type, _FORMATS)
    if fmt.type in (UNSET, None, "audio/pcm") and fmt.rate != PCM_RATE:
        shown = "missing" if fmt.rate is UNSET else repr(fmt.rate)
        _fail(f"{path}.rate", f"audio/pcm rate must be {PCM_RATE}, got {shown}")


def _voice(path: str, voice: object) -> None:
    if not _set(voice):
        return
    # SDK types: a voice name (str) or `{id: str}`.
    if not isinstance(voice, VoiceId | str):
        _fail(path, "must be a voice name or {id: ...}")


def _input_audio(path: str, config: object) -> None:
    if not _set(config):
        return
    if not isinstance(config, InputAudioConfig):
        _fail(path, "must be an input audio config object")
        return
    _format(f"{path}.format", config.format)
    if _set(config.noise_reduction):
        nr = config.noise_reduction
        # SDK type: Literal["near_field", "far_field"] (its strength has no documented range).
        _one_of(f"{path}.noise_reduction.type", getattr(nr, "type", UNSET), _NOISE_REDUCTION)
    td = config.turn_detection
    if isinstance(td, ServerVad):
        tpath = f"{path}.turn_detection"
        # SDK docstring: "Activation threshold for VAD (0.0 to 1.0)".
        _range(f"{tpath}.threshold", td.threshold, 0, 1)
    elif isinstance(td, SemanticVad):
        # SDK type: Literal["low", "medium", "high", "auto"].
        _one_of(f"{path}.turn_detection.eagerness", td.eagerness, _EAGERNESS)
    elif _set(td):
        _fail(f"{path}.turn_detection", "must be server_vad, semantic_vad or null")


def _output_audio(path: str, config: object) -> None:
    if not _set(config):
        return
    if not isinstance(config, OutputAudioConfig):
        _fail(path, "must be an output audio config object")
        return
    _format(f"{path}.format", config.format)
    _voice(f"{path}.voice", config.voice)
    # SDK docstring: "0.25 is the minimum speed. 1.5 is the maximum speed."
    _range(f"{path}.speed", config.speed, 0.25, 1.5)


def _tools(path: str, tools: object) -> None:
    if not _set(tools):
        return
    if not isinstance(tools, list):
        _fail(path, "must be a list of tools")
        return
    for index, tool in enumerate(tools):
        tpath = f"{path}[{index}]"
        if not isinstance(tool, Tool):
            _fail(tpath, "must be a Tool")
            continue
        if tool.type == "mcp":
            # SDK types: `server_label: str` is required; docstring: "One of `server_url`,
            # `connector_id`, or `tunnel_id` must be provided."
            if not tool.server_label:
                _fail(f"{tpath}.server_label", "an mcp tool needs a server_label")
            if not any(_set(v) for v in (tool.server_url, tool.connector_id, tool.tunnel_id)):
                _fail(tpath, "an mcp tool needs server_url, connector_id or tunnel_id")
        elif tool.type not in (UNSET, None, "function"):
            # SDK types: the tools union is function | mcp.
            _fail(f"{tpath}.type", f"must be function or mcp, got {tool.type!r}")


def _tool_choice(path: str, choice: object) -> None:
    # SDK type: Literal["none", "auto", "required"] (or a function / mcp object).
    if isinstance(choice, str):
        _one_of(path, choice, _TOOL_CHOICES)


def _metadata(path: str, metadata: object) -> None:
    # SDK docstring: "Set of 16 key-value pairs ... Keys are strings with a maximum length of
    # 64 characters. Values are strings with a maximum length of 512 characters."
    if not _set(metadata):
        return
    if not isinstance(metadata, dict):
        _fail(path, "must be a map of strings")
        return
    if len(metadata) > _METADATA_MAX_PAIRS:
        _fail(path, f"at most {_METADATA_MAX_PAIRS} pairs, got {len(metadata)}")
    for key, value in metadata.items():
        if not isinstance(key, str) or len(key) > _METADATA_KEY_MAX:
            _fail(f"{path}.{key}", f"keys are strings of at most {_METADATA_KEY_MAX} characters")
        if not isinstance(value, str) or len(value) > _METADATA_VALUE_MAX:
            _fail(
                f"{path}.{key}", f"values are strings of at most {_METADATA_VALUE_MAX} characters"
            )


def _item(path: str, item: object) -> None:
    if isinstance(item, MessageItem):
        # SDK types: the system, user and assistant message items.
        _one_of(f"{path}.role", item.role, ("system", "user", "assistant"))
        if item.role == "assistant":
            # PROTOCOL.md section 2 (the docs): the service cannot create assistant audio,
            # although the SDK's types allow the part.
            for index, part in enumerate(item.content):
                if part.type in ("output_audio", "audio"):
                    _fail(
                        f"{path}.content[{index}].type",
                        "assistant audio cannot be created; use output_text",
                    )


def _session(path: str, session: object) -> None:
    if isinstance(session, RealtimeSession):
        _modalities(f"{path}.output_modalities", session.output_modalities)
        _max_output_tokens(f"{path}.max_output_tokens", session.max_output_tokens)
        if _set(session.audio):
            audio = session.audio
            _input_audio(f"{path}.audio.input", getattr(audio, "input", UNSET))
            _output_audio(f"{path}.audio.output", getattr(audio, "output", UNSET))
        _tools(f"{path}.tools", session.tools)
        _tool_choice(f"{path}.tool_choice", session.tool_choice)
    elif isinstance(session, TranscriptionSession):
        if _set(session.audio):
            _input_audio(f"{path}.audio.input", getattr(session.audio, "input", UNSET))
    else:
        _fail(f"{path}.type", "is required: a RealtimeSession or a TranscriptionSession")


def _response(path: str, params: ResponseCreateParams) -> None:
    _modalities(f"{path}.output_modalities", params.output_modalities)
    _max_output_tokens(f"{path}.max_output_tokens", params.max_output_tokens)
    if _set(params.audio):
        _output_audio(f"{path}.audio.output", getattr(params.audio, "output", UNSET))
    _metadata(f"{path}.metadata", params.metadata)
    _tools(f"{path}.tools", params.tools)
    _tool_choice(f"{path}.tool_choice", params.tool_choice)
    if isinstance(params.input, list):
        for index, entry in enumerate(params.input):
            if not isinstance(entry, ItemReference):
                _item(f"{path}.input[{index}]", entry)


def _append_audio(audio: object) -> None:
    # The hot path of a voice session (50 events a second): exact type checks first.
    if type(audio) is bytes:
        size = len(audio)
    elif isinstance(audio, memoryview):
        size = audio.nbytes
    elif isinstance(audio, str):
        size = _base64_size(audio)
    elif isinstance(audio, bytearray):
        size = len(audio)
    else:
        _fail("audio", f"must be PCM16 bytes or base64 text, got {type(audio).__name__}")
        return
    # SDK docstring: "a maximum size of 15 MiB". (An odd byte count is no error: G.711
    # formats have one byte per sample.)
    if size > MAX_APPEND_BYTES:
        _fail("audio", f"input_audio_buffer.append exceeds 15 MiB ({size} bytes decoded)")


def _base64_size(text: str) -> int:
    """Decoded size of canonical base64 (padded, standard alphabet, no whitespace): the SDK
    types say "Base64-encoded audio bytes"."""
    if len(text) % 4:
        _fail("audio", "invalid base64: length is not a multiple of 4")
    if not _BASE64.fullmatch(text):
        _fail("audio", "invalid base64: only A-Z a-z 0-9 + / and trailing = padding are allowed")
    last = text[-4:].encode("ascii")
    try:
        canonical = binascii.b2a_base64(binascii.a2b_base64(last, strict_mode=True), newline=False)
    except binascii.Error:
        canonical = b""
    if last and canonical != last:
        _fail("audio", "invalid base64: bad padding or non-zero trailing bits")
    padding = len(text) - len(text.rstrip("="))
    return len(text) // 4 * 3 - padding


def _check_truncate(event: ConversationItemTruncate) -> None:
    # The service refuses a negative audio_end_ms (integer_below_min_value, reported).
    _non_negative("audio_end_ms", event.audio_end_ms)
    _non_negative("content_index", event.content_index)


def _check_response_create(event: ResponseCreate) -> None:
    if isinstance(event.response, ResponseCreateParams):
        _response("response", event.response)


def _check_unknown(event: UnknownClientEvent) -> None:
    # GA refuses beta event types (PROTOCOL.md section 9).
    if event.type in BETA_EVENT_TYPES:
        _fail("type", f"{event.type!r} is beta-only; use {BETA_EVENT_TYPES[event.type]}")
    if event.type in CLIENT_EVENT_TYPES:
        _fail("type", f"{event.type!r} must be sent as its typed event class")


_CHECKS: dict[type[object], Callable[[Any], None]] = {
    InputAudioBufferAppend: lambda event: _append_audio(event.audio),
    SessionUpdate: lambda event: _session("session", event.session),
    ResponseCreate: _check_response_create,
    ConversationItemTruncate: _check_truncate,
    ConversationItemCreate: lambda event: _item("item", event.item),
    UnknownClientEvent: _check_unknown,
}


def validate_client_event(event: BaseClientEvent | UnknownClientEvent) -> None:
    """Check an outgoing event against the GA rules; raise `InvalidClientEvent` if it breaks one."""
    if not isinstance(event, UnknownClientEvent):
        event_id = event.event_id
        if event_id is not UNSET and event_id is not None and type(event_id) is not str:
            _fail("event_id", "must be a string")
    check = _CHECKS.get(type(event))
    if check is not None:
        check(event)
