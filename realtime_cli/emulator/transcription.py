"""Input audio transcription: deltas, `completed` or `failed`, usage, logprobs; in live
mode late (0.5-1.4 s after the commit) and so not always in turn order."""

from __future__ import annotations

import math

import msgspec
import numpy as np

from realtime_cli.emulator.faults import TRANSCRIPTION_FAULTS
from realtime_cli.emulator.formats import decode_samples
from realtime_cli.emulator.machine_core import MachineCore, text_tokens
from realtime_cli.emulator.realism import token_pieces
from realtime_cli.emulator.synth import word_pieces
from realtime_cli.protocol import (
    UNSET,
    AudioTranscription,
    ConversationItemInputAudioTranscriptionCompleted,
    ConversationItemInputAudioTranscriptionDelta,
    ConversationItemInputAudioTranscriptionFailed,
    LogProb,
    MessageItem,
    TranscriptionDurationUsage,
    TranscriptionError,
    TranscriptionInputTokenDetails,
    TranscriptionTokenUsage,
)

__all__ = ["Transcription"]

LOGPROBS_INCLUDE = "item.input_audio_transcription.logprobs"
#: Seconds between two transcription deltas sent during speech (at the measured speed).
SPEECH_DELTA_S = 0.25
#: The start of an unscripted transcript, the part known while the user still speaks.
SPEECH_PREFIX = "Speech of"
#: RMS level (of full scale) below which committed audio is silence.
SILENCE_RMS = 0.003


class Transcription(MachineCore):
    """The input transcription concern."""

    def _transcribe(self, target: str, audio_ms: float, audio: bytes) -> None:
        config = self._input_config().transcription
        transcribing = isinstance(config, AudioTranscription)
        # In live mode the model hears scripted words whether or not they are transcribed.
        queued = self.script.next_transcript() if transcribing or self.realism.live else None
        if queued is not None:
            self.heard_words[target] = queued.text
        if not isinstance(config, AudioTranscription):
            return
        model = config.model if isinstance(config.model, str) else "whisper-1"
        if queued is not None:
            text, delay = queued.text, queued.delay
        else:
            heard = self._early_pieces.get(target, 0) > 0
            text, delay = self._default_transcript(audio_ms, audio, heard=heard), None
        if delay is None:
            low, high = self.realism.transcription_s
            delay = self.rng.uniform(low, high) if high > 0 else 0.0
        fault = self._content_fault(TRANSCRIPTION_FAULTS)
        failed = fault == "transcription-failed"
        # Reported: deltas sometimes stop mid-item, and neither `completed` nor `failed` comes.
        stalls = fault == "transcription-stalls"
        # The deltas come a little before `completed` (1.2 s vs 1.4 s in one probe).
        self._later(
            delay * 0.85,
            lambda: self._transcript_deltas(target, model, text, failed, stalls=stalls),
        )
        if not stalls:
            self._later(delay, lambda: self._transcript_done(target, model, text, audio_ms, failed))

    def _transcribe_during_speech(self, target: str) -> None:
        """Live mode, a streaming transcription model: deltas while the user still speaks,
        already naming the item the speech will become (PROTOCOL.md section 11)."""
        config = self._input_config().transcription
        if not self.realism.live or not isinstance(config, AudioTranscription):
            return
        if config.model in (UNSET, None, "whisper-1"):
            return
        queued = self.script.peek_transcript()
        # Unscripted speech is transcribed as its length ("Speech of 1.2 seconds."), known
        # only at the commit; its first words are not, so they stream during speech.
        text = queued.text if queued is not None else SPEECH_PREFIX
        step = self.realism.committed_s / 0.15 * SPEECH_DELTA_S  # scaled like the rest
        self._early_pieces[target] = 0
        for index, piece in enumerate(token_pieces(text)):

            def send(piece: str = piece) -> None:
                self._early_pieces[target] = self._early_pieces.get(target, 0) + 1
                self._user_delta(target, piece)

            self._schedule(self._now + (index + 1) * step, f"speech-{target}", send)

    def _default_transcript(self, audio_ms: float, audio: bytes, *, heard: bool) -> str:
        """What unscripted audio transcribes as: its length, or `""` for silence in live
        mode (unless words of it were already sent during speech)."""
        spoken = f"{SPEECH_PREFIX} {audio_ms / 1000:.1f} seconds."
        if not self.realism.live or heard:
            return spoken
        samples = decode_samples(audio, self._input_format()).astype(np.float64)
        level = float(np.sqrt(np.mean(samples**2))) / 32768 if len(samples) else 0.0
        # Silence transcribes as "" on the service; audible audio the emulator cannot
        # understand is described by its length.
        return "" if level < SILENCE_RMS else spoken

    def _transcript_deltas(
        self, target: str, model: str, text: str, failed: bool, *, stalls: bool = False
    ) -> None:
        early = self._early_pieces.pop(target, 0)
        if not text:
            return
        include = self.session.include if isinstance(self.session.include, list) else []
        with_logprobs = LOGPROBS_INCLUDE in include
        # whisper-1 is not a streaming model: its one delta is the whole transcript.
        if model == "whisper-1":
            pieces = [text]
        else:
            pieces = token_pieces(text) if self.realism.live else word_pieces(text)
        # Stalled: the first half of the pieces (none of a single one, whisper-1's whole
        # transcript), then nothing more for this item. Failed: the same half, then `failed`;
        # that deltas precede a failure is a guess (the harsher one: the client must take
        # back text it may have shown; a streaming model's deltas during speech do precede it).
        end = len(pieces) // 2 if stalls or failed else len(pieces)
        # What went out while the user was speaking is not sent again.
        for piece in pieces[early:end]:
            self._user_delta(target, piece, with_logprobs=with_logprobs)

    def _user_delta(self, target: str, piece: str, *, with_logprobs: bool = False) -> None:
        self._emit(
            ConversationItemInputAudioTranscriptionDelta(
                event_id=self._eid(),
                item_id=target,
                content_index=0,
                delta=piece,
                logprobs=_logprobs(piece) if with_logprobs else UNSET,
                obfuscation=self._obfuscation(piece),
            )
        )

    def _transcript_done(
        self, target: str, model: str, text: str, audio_ms: float, failed: bool
    ) -> None:
        if failed:
            self._emit(
                ConversationItemInputAudioTranscriptionFailed(
                    event_id=self._eid(),
                    item_id=target,
                    content_index=0,
                    error=TranscriptionError(
                        type="transcription_error",
                        code="audio_unintelligible",
                        message="The audio could not be transcribed.",
                        param=None,
                    ),
                )
            )
            return
        include = self.session.include if isinstance(self.session.include, list) else []
        with_logprobs = LOGPROBS_INCLUDE in include
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
