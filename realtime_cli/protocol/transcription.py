"""Shapes of the input-audio transcription events: usage, log probabilities, languages."""

from __future__ import annotations

from realtime_cli.protocol.base import UNSET, Model, Opt, TaggedModel

__all__ = [
    "LogProb",
    "TranscriptionDurationUsage",
    "TranscriptionError",
    "TranscriptionInputTokenDetails",
    "TranscriptionLanguage",
    "TranscriptionTokenUsage",
    "TranscriptionUsage",
]


class TranscriptionInputTokenDetails(Model):
    """Transcription input tokens by modality."""

    text_tokens: Opt[int] = UNSET
    audio_tokens: Opt[int] = UNSET


class TranscriptionTokenUsage(TaggedModel, tag="tokens"):
    """Transcription billed by tokens."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_token_details: Opt[TranscriptionInputTokenDetails] = UNSET


class TranscriptionDurationUsage(TaggedModel, tag="duration"):
    """Transcription billed by audio duration."""

    seconds: float


#: Either form of transcription usage.
TranscriptionUsage = TranscriptionTokenUsage | TranscriptionDurationUsage


class LogProb(Model):
    """The log probability of one transcribed token."""

    token: str
    bytes: list[int]
    logprob: float


class TranscriptionLanguage(Model):
    """A language detected in the audio."""

    code: str


class TranscriptionError(Model):
    """Why a transcription failed; every field may be absent."""

    type: Opt[str] = UNSET
    code: Opt[str] = UNSET
    message: Opt[str] = UNSET
    param: Opt[str] = UNSET
