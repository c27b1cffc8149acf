"""Input audio transcription: deltas, `completed`, usage, logprobs."""

from __future__ import annotations

import math

import msgspec

from realtime_cli.emulator.machine_core import MachineCore, text_tokens
from realtime_cli.emulator.synth import word_pieces
from realtime_cli.protocol import (
    UNSET,
    AudioTranscription,
    ConversationItemInputAudioTranscriptionCompleted,
    ConversationItemInputAudioTranscriptionDelta,
    LogProb,
    MessageItem,
    TranscriptionDurationUsage,
    TranscriptionInputTokenDetails,
    TranscriptionTokenUsage,
)

__all__ = ["Transcription"]

LOGPROBS_INCLUDE = "item.input_audio_transcription.logprobs"


class Transcription(MachineCore):
    """The input transcription concern."""

    def _transcribe(self, target: str, audio_ms: float) -> None:
        config = self._input_config().transcription
        if not isinstance(config, AudioTranscription):
            return
        model = config.model if isinstance(config.model, str) else "whisper-1"
        text = self.script.next_transcript() or f"Speech of {audio_ms / 1000:.1f} seconds."
        include = self.session.include if isinstance(self.session.include, list) else []
        with_logprobs = LOGPROBS_INCLUDE in include
        # whisper-1 is not a streaming model: its one delta is the whole transcript.
        pieces = [text] if model == "whisper-1" else word_pieces(text)
        for piece in pieces:
            self._emit(
                ConversationItemInputAudioTranscriptionDelta(
                    event_id=self._eid(),
                    item_id=target,
                    content_index=0,
                    delta=piece,
                    logprobs=_logprobs(piece) if with_logprobs else UNSET,
                )
            )
        audio_tokens = math.ceil(audio_ms / 100)
        usage: TranscriptionDurationUsage | TranscriptionTokenUsage
        if model == "whisper-1":
            usage = TranscriptionDurationUsage(seconds=round(audio_ms / 1000, 3))
        else:
            output_tokens = text_tokens(text)
            usage = TranscriptionTokenUsage(
                input_tokens=audio_tokens,
                output_tokens=output_tokens,
                total_tokens=audio_tokens + output_tokens,
                input_token_details=TranscriptionInputTokenDetails(
                    text_tokens=0, audio_tokens=audio_tokens
                ),
            )
        self._emit(
            ConversationItemInputAudioTranscriptionCompleted(
                event_id=self._eid(),
                item_id=target,
                content_index=0,
                transcript=text,
                usage=usage,
                logprobs=_logprobs(text) if with_logprobs else UNSET,
            )
        )
        stored = self.conversation.get(target)
        if isinstance(stored, MessageItem) and stored.content:
            parts = list(stored.content)
            parts[0] = msgspec.structs.replace(parts[0], transcript=text)
            self.conversation.replace(msgspec.structs.replace(stored, content=parts))


def _logprobs(text: str) -> list[LogProb]:
    return [
        LogProb(token=piece, bytes=list(piece.encode()), logprob=-0.01)
        for piece in word_pieces(text)
    ]
