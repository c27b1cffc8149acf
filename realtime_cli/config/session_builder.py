"""The one builder of the GA session object: typed protocol models all the way down.

`build_session(...)` takes the usual voice settings (what `VoiceSession.connect` offers);
`realtime_session(settings)` feeds it a whole profile. Every piece is a protocol Struct, so a
misspelt field is a `TypeError` naming it, where a dict would have been sent as it was or
silently dropped on conversion. `session_config(settings)` is the same object as JSON-ready
data (the `session` of a `session.update`, the client-secret and `calls.accept` body).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from realtime_cli.config.mcp_servers import mcp_tools
from realtime_cli.config.settings import FunctionTool, Settings, VadSettings
from realtime_cli.protocol import (
    UNSET,
    AudioFormat,
    AudioTranscription,
    InputAudioConfig,
    NoiseReduction,
    OutputAudioConfig,
    RealtimeAudioConfig,
    RealtimeSession,
    Reasoning,
    SemanticVad,
    ServerVad,
    Tool,
)

__all__ = ["LOGPROBS", "Vad", "build_session", "realtime_session", "session_config"]

Vad = Literal["server", "semantic", "none"] | ServerVad | SemanticVad | None
#: What `include` asks for to get the transcription's log probabilities.
LOGPROBS = "item.input_audio_transcription.logprobs"


def _turn_detection(vad: Vad) -> ServerVad | SemanticVad | None:
    if vad == "server":
        return ServerVad()
    if vad == "semantic":
        return SemanticVad()
    if vad == "none" or vad is None:
        return None
    return vad


def build_session(
    *,
    model: str,
    voice: str,
    instructions: str | None = None,
    vad: Vad = "server",
    transcription: str | AudioTranscription | None = None,
    noise_reduction: str | None = None,
    output_modality: str = "audio",
    speed: float | None = None,
    max_output_tokens: int | Literal["inf"] | None = None,
    tools: Sequence[Tool] = (),
    tool_choice: str | None = None,
    truncation: str | None = None,
    reasoning_effort: str | None = None,
    parallel_tool_calls: bool | None = None,
    include: Sequence[str] = (),
) -> RealtimeSession:
    """The GA session object; settings left at None are left out (the service's defaults)."""
    audio_input = InputAudioConfig(format=AudioFormat.pcm(), turn_detection=_turn_detection(vad))
    if transcription:
        audio_input.transcription = (
            AudioTranscription(model=transcription)
            if isinstance(transcription, str)
            else transcription
        )
    if noise_reduction:
        audio_input.noise_reduction = NoiseReduction(type=noise_reduction)
    output = OutputAudioConfig(format=AudioFormat.pcm(), voice=voice)
    if speed is not None:
        output.speed = speed
    session = RealtimeSession(
        model=model,
        output_modalities=[output_modality],
        audio=RealtimeAudioConfig(input=audio_input, output=output),
    )
    if instructions is not None:
        session.instructions = instructions
    if include:
        session.include = list(include)
    if max_output_tokens is not None:
        session.max_output_tokens = max_output_tokens
    if tools:
        session.tools = list(tools)
    if tool_choice is not None:
        session.tool_choice = tool_choice
    if truncation is not None:
        session.truncation = truncation
    if reasoning_effort is not None:
        session.reasoning = Reasoning(effort=reasoning_effort)
    if parallel_tool_calls is not None:
        session.parallel_tool_calls = parallel_tool_calls
    return session


def _vad(vad: VadSettings) -> ServerVad | SemanticVad | None:
    """Only the keys the chosen type accepts; None for manual turns."""
    if vad.type == "none":
        return None
    if vad.type == "server_vad":
        return ServerVad(
            threshold=vad.threshold,
            prefix_padding_ms=vad.prefix_padding_ms,
            silence_duration_ms=vad.silence_duration_ms,
            idle_timeout_ms=UNSET if vad.idle_timeout_ms is None else vad.idle_timeout_ms,
            create_response=vad.create_response,
            interrupt_response=vad.interrupt_response,
        )
    return SemanticVad(
        eagerness=vad.eagerness,
        create_response=vad.create_response,
        interrupt_response=vad.interrupt_response,
    )


def _tool(tool: FunctionTool) -> Tool:
    return Tool.function(tool.name, tool.description, tool.parameters)


def realtime_session(settings: Settings, env: Mapping[str, str] | None = None) -> RealtimeSession:
    """The GA session object of a profile. Local-only settings (audio devices, URLs, the key,
    command tools) are not part of it; `turn_detection` is an explicit null for manual turns.
    MCP header values are read from `env` (default `os.environ`)."""
    heard = settings.transcription
    transcription = None
    if heard.model:
        transcription = AudioTranscription(
            model=heard.model,
            language=heard.language or UNSET,
            prompt=heard.prompt or UNSET,
        )
    return build_session(
        model=settings.model,
        voice=settings.voice,
        instructions=settings.instructions,
        vad=_vad(settings.vad),
        transcription=transcription,
        noise_reduction=None if settings.noise_reduction == "off" else settings.noise_reduction,
        output_modality=settings.output_modality,
        speed=settings.speed,
        max_output_tokens=settings.max_output_tokens,
        tools=[_tool(tool) for tool in settings.function_tools]
        + mcp_tools(settings.mcp, os.environ if env is None else env),
        tool_choice=settings.tool_choice,
        truncation=settings.truncation,
        reasoning_effort=settings.reasoning_effort,
        parallel_tool_calls=settings.parallel_tool_calls,
        include=[LOGPROBS] if heard.model and heard.logprobs else [],
    )


def session_config(settings: Settings, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`realtime_session(settings, env)` as plain JSON-ready data."""
    return realtime_session(settings, env).to_dict()
