"""Responses: the `response.create` parameters, the response object, usage and rate limits."""

from __future__ import annotations

from typing import Literal

from realtime_cli.protocol.base import UNSET, Model, Opt
from realtime_cli.protocol.items import Item, ItemReference
from realtime_cli.protocol.session import OutputAudioConfig, Prompt, Reasoning
from realtime_cli.protocol.tools import Tool, ToolChoice

__all__ = [
    "CachedTokenDetails",
    "InputTokenDetails",
    "OutputTokenDetails",
    "RateLimit",
    "Response",
    "ResponseAudio",
    "ResponseCreateParams",
    "ResponseStatusDetails",
    "ResponseStatusError",
    "Usage",
]


class ResponseAudio(Model):
    """`response.audio`: the output audio settings of one response."""

    output: Opt[OutputAudioConfig] = UNSET


class ResponseCreateParams(Model):
    """`response.create.response`: every field overrides the session for this response only.

    `conversation="none"` makes an out-of-band response that is not added to the
    conversation; `input` then gives its whole context (items or item references).
    """

    audio: Opt[ResponseAudio] = UNSET
    conversation: Opt[str] = UNSET
    input: Opt[list[Item | ItemReference]] = UNSET
    instructions: Opt[str] = UNSET
    max_output_tokens: Opt[int | Literal["inf"]] = UNSET
    metadata: Opt[dict[str, str]] = UNSET
    output_modalities: Opt[list[str]] = UNSET
    parallel_tool_calls: Opt[bool] = UNSET
    prompt: Opt[Prompt] = UNSET
    reasoning: Opt[Reasoning] = UNSET
    tool_choice: Opt[ToolChoice] = UNSET
    tools: Opt[list[Tool]] = UNSET


class ResponseStatusError(Model):
    """Why a response failed."""

    type: Opt[str] = UNSET
    code: Opt[str] = UNSET
    message: Opt[str] = UNSET


class ResponseStatusDetails(Model):
    """`type` completed/cancelled/incomplete/failed and `reason` turn_detected,
    client_cancelled, max_output_tokens or content_filter. Null on plain success."""

    type: Opt[str] = UNSET
    reason: Opt[str] = UNSET
    error: Opt[ResponseStatusError] = UNSET


class CachedTokenDetails(Model):
    """Cached input tokens by modality."""

    text_tokens: Opt[int] = UNSET
    audio_tokens: Opt[int] = UNSET
    image_tokens: Opt[int] = UNSET


class InputTokenDetails(Model):
    """Input tokens by modality, and how many were cached."""

    text_tokens: Opt[int] = UNSET
    audio_tokens: Opt[int] = UNSET
    image_tokens: Opt[int] = UNSET
    cached_tokens: Opt[int] = UNSET
    cached_tokens_details: Opt[CachedTokenDetails] = UNSET


class OutputTokenDetails(Model):
    """Output tokens by modality."""

    text_tokens: Opt[int] = UNSET
    audio_tokens: Opt[int] = UNSET


class Usage(Model):
    """Token usage of one response (in `response.done`)."""

    total_tokens: Opt[int] = UNSET
    input_tokens: Opt[int] = UNSET
    output_tokens: Opt[int] = UNSET
    input_token_details: Opt[InputTokenDetails] = UNSET
    output_token_details: Opt[OutputTokenDetails] = UNSET


class Response(Model):
    """A response as the server reports it (`response.created`, `response.done`).

    `status` is in_progress, completed, cancelled, failed or incomplete; a cancelled
    response arrives as `response.done` with status `cancelled` (there is no
    `response.cancelled` event in GA).
    """

    id: Opt[str] = UNSET
    object: Opt[str] = UNSET
    status: Opt[str] = UNSET
    status_details: Opt[ResponseStatusDetails] = UNSET
    output: Opt[list[Item]] = UNSET
    conversation_id: Opt[str] = UNSET
    output_modalities: Opt[list[str]] = UNSET
    max_output_tokens: Opt[int | Literal["inf"]] = UNSET
    audio: Opt[ResponseAudio] = UNSET
    usage: Opt[Usage] = UNSET
    metadata: Opt[dict[str, str]] = UNSET


class RateLimit(Model):
    """One rate limit (`requests` or `tokens`); GA sends only `tokens`."""

    name: Opt[str] = UNSET
    limit: Opt[int] = UNSET
    remaining: Opt[int] = UNSET
    reset_seconds: Opt[float] = UNSET
