"""`session_config`: `Settings` in the GA wire shape of a realtime session object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import msgspec

from realtime_cli.config.mcp_servers import mcp_tools
from realtime_cli.config.settings import FunctionTool, Settings, VadSettings
from realtime_cli.protocol import RealtimeSession

__all__ = ["PCM_FORMAT", "realtime_session", "session_config", "turn_detection"]

#: The only PCM format the API accepts; rt resamples locally to and from it.
PCM_FORMAT: dict[str, Any] = {"type": "audio/pcm", "rate": 24000}

_LOGPROBS = "item.input_audio_transcription.logprobs"


def session_config(settings: Settings, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The `session` object of a GA `session.update` (also the client-secret and
    `calls.accept` body) for `settings`, as plain JSON-ready data.

    Unset settings are left out rather than sent as null, with one exception:
    `turn_detection` is null for `vad.type = "none"`, which is how the API spells manual
    turns. Local-only settings (`audio`, URLs, the key, command tools) are not part of it.
    MCP header values are read from `env` (default `os.environ`).
    """
    audio_input: dict[str, Any] = {
        "format": dict(PCM_FORMAT),
        "turn_detection": turn_detection(settings.vad),
    }
    transcription = settings.transcription
    if transcription.model:
        audio_input["transcription"] = {
            "model": transcription.model,
            **({"language": transcription.language} if transcription.language else {}),
            **({"prompt": transcription.prompt} if transcription.prompt else {}),
        }
    if settings.noise_reduction != "off":
        audio_input["noise_reduction"] = {"type": settings.noise_reduction}

    session: dict[str, Any] = {
        "type": "realtime",
        "model": settings.model,
        "output_modalities": [settings.output_modality],
    }
    if settings.instructions is not None:
        session["instructions"] = settings.instructions
    session["audio"] = {
        "input": audio_input,
        "output": {
            "format": dict(PCM_FORMAT),
            "voice": settings.voice,
            "speed": settings.speed,
        },
    }
    if transcription.model and transcription.logprobs:
        session["include"] = [_LOGPROBS]
    session["max_output_tokens"] = settings.max_output_tokens
    tools = [_tool(tool) for tool in settings.function_tools]
    tools += mcp_tools(settings.mcp, os.environ if env is None else env)
    if tools:
        session["tools"] = tools
    if settings.tool_choice is not None:
        session["tool_choice"] = settings.tool_choice
    if settings.truncation is not None:
        session["truncation"] = settings.truncation
    if settings.reasoning_effort is not None:
        session["reasoning"] = {"effort": settings.reasoning_effort}
    if settings.parallel_tool_calls is not None:
        session["parallel_tool_calls"] = settings.parallel_tool_calls
    return session


def turn_detection(vad: VadSettings) -> dict[str, Any] | None:
    """`audio.input.turn_detection` for `vad`: only the keys its type accepts, None for manual."""
    if vad.type == "none":
        return None
    detection: dict[str, Any] = {"type": vad.type}
    if vad.type == "server_vad":
        detection["threshold"] = vad.threshold
        detection["prefix_padding_ms"] = vad.prefix_padding_ms
        detection["silence_duration_ms"] = vad.silence_duration_ms
        if vad.idle_timeout_ms is not None:
            detection["idle_timeout_ms"] = vad.idle_timeout_ms
    else:
        detection["eagerness"] = vad.eagerness
    detection["create_response"] = vad.create_response
    detection["interrupt_response"] = vad.interrupt_response
    return detection


def _tool(tool: FunctionTool) -> dict[str, Any]:
    out: dict[str, Any] = {"type": tool.type, "name": tool.name}
    if tool.description is not None:
        out["description"] = tool.description
    if tool.parameters is not None:
        out["parameters"] = tool.parameters
    return out


def realtime_session(settings: Settings, env: Mapping[str, str] | None = None) -> RealtimeSession:
    """`session_config(settings)` as the protocol's typed `RealtimeSession`."""
    return msgspec.convert(session_config(settings, env), RealtimeSession)
