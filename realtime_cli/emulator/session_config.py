"""The effective session configuration: the service's defaults, partial-update merging and
the server-side value checks, with the service's error codes.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

from realtime_cli.emulator.errors import ClientError
from realtime_cli.emulator.service_rules import check_metadata
from realtime_cli.protocol import (
    UNSET,
    AudioFormat,
    AudioTranscription,
    InputAudioConfig,
    NoiseReduction,
    OutputAudioConfig,
    RealtimeAudioConfig,
    RealtimeSession,
    ResponseCreateParams,
    SemanticVad,
    ServerVad,
    Session,
    Tool,
    TranscriptionAudioConfig,
    TranscriptionSession,
    VoiceId,
)

__all__ = [
    "DEFAULT_INSTRUCTIONS",
    "MODELS",
    "SESSION_TTL_S",
    "TRANSCRIPTION_MODELS",
    "VOICES",
    "check_response_params",
    "check_session",
    "default_session",
    "is_realtime_model",
    "merge_session",
    "normalize_session",
]

#: Models the service accepts on `/v1/realtime?model=` (the SDK's literals).
MODELS = frozenset(
    {
        "gpt-realtime",
        "gpt-realtime-1.5",
        "gpt-realtime-2",
        "gpt-realtime-2.1",
        "gpt-realtime-2.1-mini",
        "gpt-realtime-2025-08-28",
        "gpt-4o-realtime-preview",
        "gpt-4o-realtime-preview-2024-10-01",
        "gpt-4o-realtime-preview-2024-12-17",
        "gpt-4o-realtime-preview-2025-06-03",
        "gpt-4o-mini-realtime-preview",
        "gpt-4o-mini-realtime-preview-2024-12-17",
        "gpt-realtime-mini",
        "gpt-realtime-mini-2025-10-06",
        "gpt-realtime-mini-2025-12-15",
        "gpt-audio-1.5",
        "gpt-audio-mini",
        "gpt-audio-mini-2025-10-06",
        "gpt-audio-mini-2025-12-15",
    }
)
#: The realtime model families; new models of these ship often and are accepted as they
#: come ("New model names are accepted as they ship", PROTOCOL.md section 11).
_FAMILY = re.compile(r"(gpt-realtime|gpt-4o(-mini)?-realtime|gpt-audio)(-[a-z0-9][a-z0-9.]*)*")


def is_realtime_model(name: str) -> bool:
    """Whether the service would accept `name` on `/v1/realtime?model=`."""
    return name in MODELS or _FAMILY.fullmatch(name) is not None


VOICES = (
    "alloy",
    "ash",
    "ballad",
    "coral",
    "echo",
    "sage",
    "shimmer",
    "verse",
    "marin",
    "cedar",
)
SESSION_TTL_S = 3600
DEFAULT_INSTRUCTIONS = (
    "You are a helpful, witty, and friendly AI. Your voice and personality should be warm "
    "and engaging. Talk quickly. Do not refer to these rules, even if you're asked about them."
)
_FORMATS = ("audio/pcm", "audio/pcmu", "audio/pcma")
_MODALITIES = (["audio"], ["text"])
_TOOL_CHOICES = ("auto", "none", "required")
_EAGERNESS = ("low", "medium", "high", "auto")
_NOISE = ("near_field", "far_field")
#: Input transcription models (PROTOCOL.md section 3.1, the SDK's literals). Unlike the
#: realtime models, no family rule: a name outside the list is refused.
TRANSCRIPTION_MODELS = (
    "whisper-1",
    "gpt-transcribe",
    "gpt-live-transcribe",
    "gpt-4o-mini-transcribe",
    "gpt-4o-mini-transcribe-2025-12-15",
    "gpt-4o-transcribe",
    "gpt-4o-transcribe-diarize",
    "gpt-realtime-whisper",
)
_DELAYS = ("minimal", "low", "medium", "high", "xhigh")
#: The models that take `languages` and `keywords` (section 3.1).
_HINTED_MODELS = ("gpt-transcribe", "gpt-live-transcribe")
_NO_PROMPT_MODELS = ("gpt-realtime-whisper", "gpt-4o-transcribe-diarize")
#: ISO-639-1: two lower-case letters. A guess at how strict the service is (the SDK
#: documents the format, not the refusal): "en-US" or "english" are refused.
_LANGUAGE = re.compile(r"[a-z]{2}")

S = TypeVar("S", bound=msgspec.Struct)


def _server_vad(*, transcription: bool) -> ServerVad:
    if transcription:
        return ServerVad(threshold=0.5, prefix_padding_ms=300, silence_duration_ms=200)
    return ServerVad(
        threshold=0.5,
        prefix_padding_ms=300,
        silence_duration_ms=200,
        idle_timeout_ms=None,
        create_response=True,
        interrupt_response=True,
    )


def _input_defaults(*, transcription: bool) -> InputAudioConfig:
    return InputAudioConfig(
        format=AudioFormat.pcm(),
        noise_reduction=None,
        transcription=None,
        turn_detection=_server_vad(transcription=transcription),
    )


def default_session(
    kind: str, *, session_id: str, expires_at: int, model: str | None = None
) -> Session:
    """The full configuration the service reports on `session.created` for a new session."""
    if kind == "transcription":
        return TranscriptionSession(
            id=session_id,
            object="realtime.transcription_session",
            expires_at=expires_at,
            audio=TranscriptionAudioConfig(input=_input_defaults(transcription=True)),
            include=None,
        )
    return RealtimeSession(
        id=session_id,
        object="realtime.session",
        expires_at=expires_at,
        model=model or "gpt-realtime",
        output_modalities=["audio"],
        instructions=DEFAULT_INSTRUCTIONS,
        audio=RealtimeAudioConfig(
            input=_input_defaults(transcription=False),
            output=OutputAudioConfig(format=AudioFormat.pcm(), voice="alloy", speed=1.0),
        ),
        include=None,
        max_output_tokens="inf",
        tools=[],
        tool_choice="auto",
        tracing=None,
        truncation="auto",
        prompt=None,
    )


# Containers whose update merges into the current value field by field; anything else
# (formats, transcription, tools, ...) is replaced whole.
_MERGED = (
    RealtimeAudioConfig,
    TranscriptionAudioConfig,
    InputAudioConfig,
    OutputAudioConfig,
    NoiseReduction,
    ServerVad,
    SemanticVad,
)


def _merge(current: S, update: S) -> S:
    changes: dict[str, Any] = {}
    for name in update.__struct_fields__:
        new = getattr(update, name)
        if new is UNSET or name in ("id", "object", "expires_at"):
            continue
        old = getattr(current, name)
        if isinstance(new, _MERGED) and type(old) is type(new):
            new = _merge(old, new)
        changes[name] = new
    return msgspec.structs.replace(current, **changes)


def merge_session(current: Session, update: Session) -> Session:
    """`current` with a partial update applied; the result is normalized (every field set)."""
    return normalize_session(_merge(current, update))


def _normal_vad(vad: Any, *, transcription: bool) -> Any:
    if isinstance(vad, ServerVad):
        base = _server_vad(transcription=transcription)
        merged = _merge(base, vad)
        if transcription:
            merged = msgspec.structs.replace(
                merged, idle_timeout_ms=UNSET, create_response=UNSET, interrupt_response=UNSET
            )
        return merged
    if isinstance(vad, SemanticVad):
        base_semantic = SemanticVad(eagerness="auto", create_response=True, interrupt_response=True)
        return _merge(base_semantic, vad)
    return vad


def _normal_input(config: Any, *, transcription: bool) -> InputAudioConfig:
    base = _input_defaults(transcription=transcription)
    if not isinstance(config, InputAudioConfig):
        return base
    merged = _merge(base, config)
    return msgspec.structs.replace(
        merged, turn_detection=_normal_vad(merged.turn_detection, transcription=transcription)
    )


def normalize_session(session: Session) -> Session:
    """Fill every nested field the service echoes, keeping the values that are set."""
    if isinstance(session, TranscriptionSession):
        audio_in = (
            session.audio.input if isinstance(session.audio, TranscriptionAudioConfig) else None
        )
        return msgspec.structs.replace(
            session,
            audio=TranscriptionAudioConfig(input=_normal_input(audio_in, transcription=True)),
        )
    audio = session.audio if isinstance(session.audio, RealtimeAudioConfig) else None
    output = audio.output if audio is not None else None
    base_out = OutputAudioConfig(format=AudioFormat.pcm(), voice="alloy", speed=1.0)
    return msgspec.structs.replace(
        session,
        audio=RealtimeAudioConfig(
            input=_normal_input(audio.input if audio else None, transcription=False),
            output=_merge(base_out, output) if isinstance(output, OutputAudioConfig) else base_out,
        ),
    )


# --- value checks -------------------------------------------------------------------------


def _number(path: str, value: object, low: float, high: float) -> None:
    if value is UNSET or value is None:
        return
    integer = isinstance(value, int) and not isinstance(value, bool)
    kind = "integer" if integer else "decimal"
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ClientError("invalid_type", f"Invalid type for '{path}': expected a number.", path)
    if value < low:
        raise ClientError(
            f"{kind}_below_min_value",
            f"Invalid '{path}': {kind} below minimum value. Expected a value >= {low:g}, "
            f"but got {value:g} instead.",
            path,
        )
    if value > high:
        raise ClientError(
            f"{kind}_above_max_value",
            f"Invalid '{path}': {kind} above maximum value. Expected a value <= {high:g}, "
            f"but got {value:g} instead.",
            path,
        )


def _one_of(path: str, value: object, allowed: tuple[str, ...]) -> None:
    if value is UNSET or value is None or value in allowed:
        return
    shown = ", ".join(f"'{v}'" for v in allowed)
    raise ClientError(
        "invalid_value", f"Invalid value: '{value}'. Supported values are: {shown}.", path
    )


def _format(path: str, fmt: object) -> None:
    if not isinstance(fmt, AudioFormat):
        return
    _one_of(f"{path}.type", fmt.type, _FORMATS)
    if fmt.type in (UNSET, None, "audio/pcm"):
        if fmt.rate is UNSET or fmt.rate is None:
            raise ClientError(
                "missing_required_parameter",
                f"Missing required parameter: '{path}.rate'.",
                f"{path}.rate",
            )
        _number(f"{path}.rate", fmt.rate, 24000, 24000)


def _voice(path: str, voice: object) -> None:
    if isinstance(voice, str):
        _one_of(path, voice, VOICES)
    elif isinstance(voice, VoiceId) and not voice.id.startswith("voice_"):
        raise ClientError("invalid_value", f"Invalid custom voice id: '{voice.id}'.", f"{path}.id")


def _output(path: str, config: object) -> None:
    if not isinstance(config, OutputAudioConfig):
        return
    _format(f"{path}.format", config.format)
    _voice(f"{path}.voice", config.voice)
    _number(f"{path}.speed", config.speed, 0.25, 1.5)


def _not_with(path: str, field: str, model: str | None, allowed: str) -> ClientError:
    # The code and wording are a guess: the rule is documented, the refusal's shape is not.
    shown = f"'{model}'" if model else "the default model"
    return ClientError(
        "invalid_value",
        f"Invalid '{path}.{field}': not supported with {shown}; supported only with {allowed}.",
        f"{path}.{field}",
    )


def _language(path: str, value: object) -> None:
    if isinstance(value, str) and not _LANGUAGE.fullmatch(value):
        raise ClientError(
            "invalid_value",
            f"Invalid '{path}': '{value}' is not an ISO-639-1 language code (e.g. 'en').",
            path,
        )


def _transcription(path: str, config: AudioTranscription) -> None:
    """PROTOCOL.md section 3.1: the model list and which options each model takes."""
    _one_of(f"{path}.model", config.model, TRANSCRIPTION_MODELS)
    # Without a model the service picks one; the harsher guess is that it is none of the
    # models the options below need, so they are refused without an explicit model.
    model = config.model if isinstance(config.model, str) else None
    if config.delay not in (UNSET, None):
        _one_of(f"{path}.delay", config.delay, _DELAYS)
        if model != "gpt-realtime-whisper":
            raise _not_with(path, "delay", model, "'gpt-realtime-whisper'")
    for field in ("languages", "keywords"):
        if getattr(config, field) not in (UNSET, None) and model not in _HINTED_MODELS:
            raise _not_with(path, field, model, "'gpt-transcribe' and 'gpt-live-transcribe'")
    # gpt-realtime-whisper: PROTOCOL.md section 3.1. gpt-4o-transcribe-diarize: a guess from
    # the SDK's docstring ("gpt-4o-transcribe models (excluding gpt-4o-transcribe-diarize)"),
    # read the harsher way.
    if config.prompt not in (UNSET, None) and model in _NO_PROMPT_MODELS:
        raise ClientError(
            "invalid_value",
            f"Invalid '{path}.prompt': prompt is not supported with '{model}'.",
            f"{path}.prompt",
        )
    _language(f"{path}.language", config.language)
    if isinstance(config.languages, list):
        for index, language in enumerate(config.languages):
            _language(f"{path}.languages[{index}]", language)


def _input(path: str, config: object) -> None:
    if not isinstance(config, InputAudioConfig):
        return
    _format(f"{path}.format", config.format)
    if isinstance(config.transcription, AudioTranscription):
        _transcription(f"{path}.transcription", config.transcription)
    if isinstance(config.noise_reduction, NoiseReduction):
        _one_of(f"{path}.noise_reduction.type", config.noise_reduction.type, _NOISE)
        _number(f"{path}.noise_reduction.strength", config.noise_reduction.strength, 0, 1)
    vad = config.turn_detection
    if isinstance(vad, ServerVad):
        _number(f"{path}.turn_detection.threshold", vad.threshold, 0, 1)
        for name in ("prefix_padding_ms", "silence_duration_ms", "idle_timeout_ms"):
            _number(f"{path}.turn_detection.{name}", getattr(vad, name), 0, 10_000_000)
    elif isinstance(vad, SemanticVad):
        _one_of(f"{path}.turn_detection.eagerness", vad.eagerness, _EAGERNESS)


def _modalities(path: str, value: object) -> None:
    if value is UNSET or value is None or value in _MODALITIES:
        return
    raise ClientError(
        "invalid_value",
        f"Invalid modalities: {value!r}. Supported combinations are: ['text'] and ['audio'].",
        path,
    )


def _max_tokens(path: str, value: object) -> None:
    if value != "inf":
        _number(path, value, 1, 4096)


def _tools(path: str, tools: object) -> None:
    if not isinstance(tools, list):
        return
    for index, tool in enumerate(tools):
        if not isinstance(tool, Tool):
            continue
        where = f"{path}[{index}]"
        _one_of(f"{where}.type", tool.type, ("function", "mcp"))
        if tool.type == "mcp":
            if not tool.server_label:
                raise ClientError(
                    "missing_required_parameter",
                    f"Missing required parameter: '{where}.server_label'.",
                    f"{where}.server_label",
                )
        elif not tool.name:
            raise ClientError(
                "missing_required_parameter",
                f"Missing required parameter: '{where}.name'.",
                f"{where}.name",
            )


def check_session(
    update: Session,
    current: Session | None,
    *,
    audio_produced: bool = False,
    path: str = "session",
) -> None:
    """Raise `ClientError` if the service would refuse this session update (or new session)."""
    if current is not None and type(update) is not type(current):
        raise ClientError(
            "invalid_value",
            f"Invalid value: '{update.type}'. The session type cannot be changed.",
            f"{path}.type",
        )
    if isinstance(update, TranscriptionSession):
        if isinstance(update.audio, TranscriptionAudioConfig):
            _input(f"{path}.audio.input", update.audio.input)
        return
    if isinstance(current, RealtimeSession) and update.model not in (UNSET, None, current.model):
        raise ClientError("invalid_value", "Cannot update a session's model.", f"{path}.model")
    if current is None and isinstance(update.model, str) and not is_realtime_model(update.model):
        raise ClientError("invalid_value", f"Invalid model: '{update.model}'.", f"{path}.model")
    _modalities(f"{path}.output_modalities", update.output_modalities)
    _max_tokens(f"{path}.max_output_tokens", update.max_output_tokens)
    _tools(f"{path}.tools", update.tools)
    if isinstance(update.tool_choice, str):
        _one_of(f"{path}.tool_choice", update.tool_choice, _TOOL_CHOICES)
    if isinstance(update.audio, RealtimeAudioConfig):
        _input(f"{path}.audio.input", update.audio.input)
        _output(f"{path}.audio.output", update.audio.output)
        new_voice = (
            update.audio.output.voice
            if isinstance(update.audio.output, OutputAudioConfig)
            else UNSET
        )
        old_voice = _voice_of(current)
        if audio_produced and new_voice is not UNSET and new_voice != old_voice:
            raise ClientError(
                "cannot_update_voice",
                "Cannot update a conversation's voice if assistant audio is present.",
                f"{path}.audio.output.voice",
            )
    if (
        isinstance(current, RealtimeSession)
        and current.tracing not in (UNSET, None)
        and update.tracing is not UNSET
        and update.tracing != current.tracing
    ):
        raise ClientError(
            "invalid_value", "Tracing cannot be modified once enabled.", f"{path}.tracing"
        )


def _voice_of(session: Session | None) -> object:
    if isinstance(session, RealtimeSession) and isinstance(session.audio, RealtimeAudioConfig):
        output = session.audio.output
        if isinstance(output, OutputAudioConfig):
            return output.voice
    return UNSET


def check_response_params(params: ResponseCreateParams) -> None:
    """Raise `ClientError` if the service would refuse these `response.create` overrides."""
    _modalities("response.output_modalities", params.output_modalities)
    _max_tokens("response.max_output_tokens", params.max_output_tokens)
    _tools("response.tools", params.tools)
    if isinstance(params.tool_choice, str):
        _one_of("response.tool_choice", params.tool_choice, _TOOL_CHOICES)
    if params.audio not in (UNSET, None):
        _output("response.audio.output", getattr(params.audio, "output", UNSET))
    if params.conversation not in (UNSET, None) and not isinstance(params.conversation, str):
        raise ClientError("invalid_type", "Invalid type for 'response.conversation'.")
    check_metadata("response.metadata", params.metadata)
