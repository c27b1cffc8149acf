"""The input audio buffer: append, commit, clear, and server VAD turns."""

from __future__ import annotations

import msgspec

from realtime_cli.emulator.errors import ClientError
from realtime_cli.emulator.formats import bytes_per_ms, decode_samples
from realtime_cli.emulator.machine_core import IDLE_TIMER, MachineCore
from realtime_cli.emulator.service_rules import check_append
from realtime_cli.emulator.synth import SAMPLE_RATE
from realtime_cli.emulator.vad import EnergyVad, SpeechStart, SpeechStop
from realtime_cli.protocol import (
    UNSET,
    ContentPart,
    InputAudioBufferAppend,
    InputAudioBufferClear,
    InputAudioBufferCleared,
    InputAudioBufferCommit,
    InputAudioBufferCommitted,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    InputAudioBufferTimeoutTriggered,
    MessageItem,
    ResponseCreateParams,
    ServerVad,
)

__all__ = ["InputAudio"]

#: A manual commit needs at least this much audio.
MIN_COMMIT_MS = 100
#: With server VAD on, audio this far before the current position is dropped while idle.
IDLE_KEEP_MS = 1000
#: `semantic_vad` is emulated as energy VAD with an eagerness-dependent silence.
EAGERNESS_SILENCE_MS = {"low": 800, "medium": 500, "auto": 500, "high": 250}


class InputAudio(MachineCore):
    """The input audio buffer and turn detection concern."""

    def _configure_vad(self) -> None:
        vad = self._turn_detection()
        fmt = self._input_format()
        key: tuple[object, ...] | None = None
        if vad is not None:
            key = (msgspec.json.encode(vad), fmt.type)
        if key == self._vad_key:
            return
        self._vad_key = key
        self._speech_item = None
        if vad is None:
            self._vad = None
            return
        if isinstance(vad, ServerVad):
            threshold = vad.threshold if isinstance(vad.threshold, float | int) else 0.5
            silence = vad.silence_duration_ms if isinstance(vad.silence_duration_ms, int) else 200
        else:
            threshold = 0.5
            eagerness = vad.eagerness if isinstance(vad.eagerness, str) else "auto"
            silence = EAGERNESS_SILENCE_MS.get(eagerness, 500)
        rate = SAMPLE_RATE if fmt.type in (UNSET, None, "audio/pcm") else 8000
        self._vad = EnergyVad(
            threshold=float(threshold),
            silence_duration_ms=silence,
            sample_rate=rate,
            position_ms=int(self._audio_ms),
            level_dbfs=self.vad_dbfs,
        )

    def _on_append(self, event: InputAudioBufferAppend) -> None:
        check_append(event)
        data = bytes(event.audio)
        fmt = self._input_format()
        bpm = bytes_per_ms(fmt)
        self._buffer += data
        self._audio_ms += len(data) / bpm
        if self._vad is None:
            return
        for turn in self._vad.feed(decode_samples(data, fmt)):
            if isinstance(turn, SpeechStart):
                self._speech_started(turn.audio_ms)
            elif isinstance(turn, SpeechStop):
                self._speech_stopped(turn.audio_ms)
        if self._speech_item is None:
            # Keep only what prefix padding may still need, so an idle stream stays small.
            keep_ms = IDLE_KEEP_MS + self._prefix_padding_ms()
            excess_ms = self._audio_ms - self._buffer_start_ms - keep_ms
            if excess_ms > 0:
                cut = int(excess_ms) * bpm
                del self._buffer[:cut]
                self._buffer_start_ms += cut / bpm

    def _prefix_padding_ms(self) -> int:
        vad = self._turn_detection()
        if isinstance(vad, ServerVad) and isinstance(vad.prefix_padding_ms, int):
            return vad.prefix_padding_ms
        return 300

    def _speech_started(self, onset_ms: int) -> None:
        self._drop_timers(IDLE_TIMER)
        start = max(self._buffer_start_ms, onset_ms - self._prefix_padding_ms())
        self._speech_item = self.ids.next("item")
        self._speech_start_ms = start
        self._emit(
            InputAudioBufferSpeechStarted(
                event_id=self._eid(), item_id=self._speech_item, audio_start_ms=int(start)
            )
        )
        vad = self._turn_detection()
        if vad is not None and vad.interrupt_response is not False:
            for active in list(self._active.values()):
                if active.in_conversation:
                    self._cancel(active, "turn_detected")
        self._transcribe_during_speech(self._speech_item)

    def _speech_stopped(self, end_ms: int) -> None:
        speech_item = self._speech_item or self.ids.next("item")
        self._speech_item = None
        self._drop_timers(f"speech-{speech_item}")
        self._emit(
            InputAudioBufferSpeechStopped(
                event_id=self._eid(), item_id=speech_item, audio_end_ms=end_ms
            )
        )
        bpm = bytes_per_ms(self._input_format())
        start = int(self._speech_start_ms - self._buffer_start_ms) * bpm
        end = min(len(self._buffer), int(end_ms - self._buffer_start_ms) * bpm)
        audio = bytes(self._buffer[max(0, start) : end])
        del self._buffer[:end]
        self._buffer_start_ms += end / bpm
        self._commit_audio(audio, speech_item)
        vad = self._turn_detection()
        if (
            self._realtime is not None
            and vad is not None
            and vad.create_response is not False
            and not any(active.in_conversation for active in self._active.values())
        ):
            self._start_response(ResponseCreateParams())

    def _on_commit(self, event: InputAudioBufferCommit) -> None:
        bpm = bytes_per_ms(self._input_format())
        buffered_ms = len(self._buffer) / bpm
        if buffered_ms < MIN_COMMIT_MS:
            raise ClientError(
                "input_audio_buffer_commit_empty",
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"{MIN_COMMIT_MS}ms of audio, but buffer only has {buffered_ms:.2f}ms of audio.",
            )
        speech_item = self._speech_item or self.ids.next("item")
        audio = bytes(self._buffer)
        self._reset_buffer()
        self._commit_audio(audio, speech_item)

    def _on_clear(self, event: InputAudioBufferClear) -> None:
        self._reset_buffer()
        self._emit(InputAudioBufferCleared(event_id=self._eid()))

    def _reset_buffer(self) -> None:
        self._buffer.clear()
        self._buffer_start_ms = self._audio_ms
        self._speech_item = None
        if self._vad is not None:
            self._vad.reset()

    def _commit_audio(self, audio: bytes, new_item_id: str) -> None:
        item = MessageItem(
            id=new_item_id,
            status="completed",
            role="user",
            content=[ContentPart(type="input_audio", audio=audio, transcript=None)],
        )
        previous = self.conversation.insert(item)
        self._item_bpm[new_item_id] = bytes_per_ms(self._input_format())
        committed = InputAudioBufferCommitted(
            event_id=self._eid(), item_id=new_item_id, previous_item_id=previous
        )

        def announce() -> None:
            self._emit(committed)
            self._emit_item_added_done(item, previous)

        self._later(self.realism.committed_s, announce)
        self._transcribe(new_item_id, len(audio) / self._item_bpm[new_item_id], audio)

    # --- idle timeout ----------------------------------------------------------------------

    def _arm_idle_timeout(self, audio_end: float) -> None:
        """After the assistant's audio ends (at `audio_end`, played in real time), wait
        `idle_timeout_ms` of no speech, then act as the service does."""
        vad = self._turn_detection()
        self._drop_timers(IDLE_TIMER)
        if not isinstance(vad, ServerVad) or not isinstance(vad.idle_timeout_ms, int):
            return
        if vad.idle_timeout_ms <= 0:
            return
        due = max(audio_end, self._now) + vad.idle_timeout_ms / 1000
        self._schedule(due, IDLE_TIMER, lambda: self._idle_timeout(vad.idle_timeout_ms or 0))

    def _idle_timeout(self, idle_ms: int) -> None:
        """`input_audio_buffer.timeout_triggered`, the (silent) audio committed as a user
        item, then a response, as PROTOCOL.md section 11 describes."""
        if self._speech_item is not None or any(a.in_conversation for a in self._active.values()):
            return
        end = int(self._audio_ms)
        start = int(max(self._buffer_start_ms, end - idle_ms))
        new_item = self.ids.next("item")
        self._emit(
            InputAudioBufferTimeoutTriggered(
                event_id=self._eid(), item_id=new_item, audio_start_ms=start, audio_end_ms=end
            )
        )
        audio = bytes(self._buffer)
        self._reset_buffer()
        self._commit_audio(audio, new_item)
        vad = self._turn_detection()
        if self._realtime is not None and vad is not None and vad.create_response is not False:
            self._start_response(ResponseCreateParams())
