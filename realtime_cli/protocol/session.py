"""Session configuration: the realtime and transcription session objects and their parts.

Shapes follow the GA wire (`session.update`, `session.created`/`updated`, client secrets,
`calls.accept`). Open enumerations (voices, models, reasons) are plain strings so that a value
the service adds later still decodes; the client-side rules live in `validation.py`.
"""

from __future__ import annotations

from typing import Any, Literal

from realtime_cli.protocol.base import UNSET, Model, Opt, TaggedModel
from realtime_cli.protocol.tools import Tool, ToolChoice

__all__ = [
    "AudioFormat",
    "AudioTranscription",
    "InputAudioConfig",
    "NoiseReduction",
    "OutputAudioConfig",
    "Prompt",
    "PromptCacheBreakpoint",
    "PromptInputFile",
    "PromptInputImage",
    "PromptInputText",
    "RealtimeAudioConfig",
    "RealtimeSession",
    "Reasoning",
    "RetentionRatioTruncation",
    "SemanticVad",
    "ServerVad",
    "Session",
    "TokenLimits",
    "TracingConfig",
    "TranscriptionAudioConfig",
    "TranscriptionSession",
    "Truncation",
    "TurnDetection",
    "Voice",
    "VoiceId",
]

PCM_RATE = 24000


class AudioFormat(Model):
    """`{type: "audio/pcm", rate: 24000}`, `{type: "audio/pcmu"}` or `{type: "audio/pcma"}`.

    One class rather than a tagged union because the wire allows `type` to be absent.
    """

    type: Opt[str] = UNSET
    rate: Opt[int] = UNSET

    @classmethod
    def pcm(cls) -> AudioFormat:
        """24 kHz mono PCM16, the only PCM rate the API accepts."""
        return cls(type="audio/pcm", rate=PCM_RATE)

    @classmethod
    def pcmu(cls) -> AudioFormat:
        """G.711 mu-law at 8 kHz."""
        return cls(type="audio/pcmu")

    @classmethod
    def pcma(cls) -> AudioFormat:
        """G.711 A-law at 8 kHz."""
        return cls(type="audio/pcma")


class NoiseReduction(Model):
    """Input noise reduction: `near_field` (headsets) or `far_field` (laptop, room mics)."""

    type: Opt[str] = UNSET
    strength: Opt[float] = UNSET


class AudioTranscription(Model):
    """Asynchronous transcription of the user's audio."""

    model: Opt[str] = UNSET
    language: Opt[str] = UNSET
    languages: Opt[list[str]] = UNSET
    keywords: Opt[list[str]] = UNSET
    prompt: Opt[str] = UNSET
    delay: Opt[str] = UNSET


class ServerVad(TaggedModel, tag="server_vad"):
    """Turn detection by the server's voice activity detector (energy based)."""

    threshold: Opt[float] = UNSET
    prefix_padding_ms: Opt[int] = UNSET
    silence_duration_ms: Opt[int] = UNSET
    idle_timeout_ms: Opt[int] = UNSET
    create_response: Opt[bool] = UNSET
    interrupt_response: Opt[bool] = UNSET


class SemanticVad(TaggedModel, tag="semantic_vad"):
    """Turn detection by a model that judges whether the user has finished speaking."""

    eagerness: Opt[str] = UNSET
    create_response: Opt[bool] = UNSET
    interrupt_response: Opt[bool] = UNSET


#: `None` disables turn detection (manual turns: commit, then `response.create`).
TurnDetection = ServerVad | SemanticVad


class InputAudioConfig(Model):
    """`session.audio.input`."""

    format: Opt[AudioFormat] = UNSET
    noise_reduction: Opt[NoiseReduction] = UNSET
    transcription: Opt[AudioTranscription] = UNSET
    turn_detection: Opt[TurnDetection] = UNSET


class VoiceId(Model):
    """A custom voice, by id (`voice_...`)."""

    id: str


#: A built-in voice name (alloy, ash, ballad, coral, echo, sage, shimmer, verse, marin, cedar)
#: or a custom voice.
Voice = str | VoiceId


class OutputAudioConfig(Model):
    """`session.audio.output` (and `response.audio.output`)."""

    format: Opt[AudioFormat] = UNSET
    voice: Opt[Voice] = UNSET
    speed: Opt[float] = UNSET


class RealtimeAudioConfig(Model):
    """`session.audio` of a realtime session."""

    input: Opt[InputAudioConfig] = UNSET
    output: Opt[OutputAudioConfig] = UNSET


class TranscriptionAudioConfig(Model):
    """`session.audio` of a transcription session (input only)."""

    input: Opt[InputAudioConfig] = UNSET


class PromptCacheBreakpoint(Model):
    """Marks a prompt variable as a cache breakpoint."""

    mode: str
    ttl: Opt[str] = UNSET


class PromptInputText(TaggedModel, tag="input_text"):
    """A text prompt variable."""

    text: str
    prompt_cache_breakpoint: Opt[PromptCacheBreakpoint] = UNSET


class PromptInputImage(TaggedModel, tag="input_image"):
    """An image prompt variable."""

    detail: str
    file_id: Opt[str] = UNSET
    image_url: Opt[str] = UNSET
    prompt_cache_breakpoint: Opt[PromptCacheBreakpoint] = UNSET


class PromptInputFile(TaggedModel, tag="input_file"):
    """A file prompt variable."""

    detail: Opt[str] = UNSET
    file_data: Opt[str] = UNSET
    file_id: Opt[str] = UNSET
    file_url: Opt[str] = UNSET
    filename: Opt[str] = UNSET
    prompt_cache_breakpoint: Opt[PromptCacheBreakpoint] = UNSET


class Prompt(Model):
    """A server-stored prompt template and its variables."""

    id: str
    version: Opt[str] = UNSET
    variables: Opt[dict[str, str | PromptInputText | PromptInputImage | PromptInputFile]] = UNSET


class Reasoning(Model):
    """Reasoning effort, for reasoning models."""

    effort: Opt[str] = UNSET


class TracingConfig(Model):
    """Tracing settings; the plain string `"auto"` is the other form."""

    workflow_name: Opt[str] = UNSET
    group_id: Opt[str] = UNSET
    metadata: Opt[Any] = UNSET


class TokenLimits(Model):
    """Token limits of the retention-ratio truncation."""

    post_instructions: Opt[int] = UNSET


class RetentionRatioTruncation(TaggedModel, tag="retention_ratio"):
    """Drop the oldest part of the conversation, keeping `retention_ratio` of it."""

    retention_ratio: float
    token_limits: Opt[TokenLimits] = UNSET


#: `"auto"`, `"disabled"` or a retention ratio.
Truncation = str | RetentionRatioTruncation


class RealtimeSession(TaggedModel, tag="realtime"):
    """A realtime (speech-to-speech) session.

    `id`, `object` and `expires_at` are sent by the server on `session.created`/`updated`
    although the official SDK does not declare them.
    """

    id: Opt[str] = UNSET
    object: Opt[str] = UNSET
    expires_at: Opt[int] = UNSET
    model: Opt[str] = UNSET
    output_modalities: Opt[list[str]] = UNSET
    instructions: Opt[str] = UNSET
    audio: Opt[RealtimeAudioConfig] = UNSET
    include: Opt[list[str]] = UNSET
    max_output_tokens: Opt[int | Literal["inf"]] = UNSET
    tools: Opt[list[Tool]] = UNSET
    tool_choice: Opt[ToolChoice] = UNSET
    tracing: Opt[str | TracingConfig] = UNSET
    truncation: Opt[Truncation] = UNSET
    prompt: Opt[Prompt] = UNSET
    reasoning: Opt[Reasoning] = UNSET
    parallel_tool_calls: Opt[bool] = UNSET


class TranscriptionSession(TaggedModel, tag="transcription"):
    """A transcription-only session (no responses)."""

    id: Opt[str] = UNSET
    object: Opt[str] = UNSET
    expires_at: Opt[int] = UNSET
    audio: Opt[TranscriptionAudioConfig] = UNSET
    include: Opt[list[str]] = UNSET


#: Either kind of session, told apart by `session.type`.
Session = RealtimeSession | TranscriptionSession
