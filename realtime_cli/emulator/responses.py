"""Responses: create, cancel, stream a message, close, usage, rate limits."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import msgspec

from realtime_cli.emulator.conversation import item_id, strip_audio
from realtime_cli.emulator.errors import ClientError
from realtime_cli.emulator.faults import (
    RESPONSE_FAULTS,
    SERVER_ERROR_MESSAGE,
    permission_failure,
    rate_limit_failure,
    server_error_details,
)
from realtime_cli.emulator.formats import bytes_per_ms, encode_pcm24k
from realtime_cli.emulator.machine_core import (
    IDLE_TIMER,
    ActiveResponse,
    MachineCore,
    OutputItem,
    text_tokens,
)
from realtime_cli.emulator.mcp_replies import McpApprovalPlan, McpCallPlan
from realtime_cli.emulator.realism import token_pieces
from realtime_cli.emulator.replies import FunctionPlan, Plan, plan_reply
from realtime_cli.emulator.service_rules import check_item
from realtime_cli.emulator.session_config import check_response_params
from realtime_cli.emulator.synth import SAMPLE_RATE, Speech, speak, word_pieces
from realtime_cli.protocol import (
    UNSET,
    AudioFormat,
    CachedTokenDetails,
    ContentPart,
    ConversationItemAdded,
    ConversationItemDone,
    Error,
    FunctionCallItem,
    InputTokenDetails,
    Item,
    ItemReference,
    MessageItem,
    OutputAudioConfig,
    OutputTokenDetails,
    RateLimit,
    RateLimitsUpdated,
    Response,
    ResponseAudio,
    ResponseCancel,
    ResponseContentPart,
    ResponseContentPartAdded,
    ResponseContentPartDone,
    ResponseCreate,
    ResponseCreated,
    ResponseCreateParams,
    ResponseDone,
    ResponseOutputAudioDelta,
    ResponseOutputAudioDone,
    ResponseOutputAudioTranscriptDelta,
    ResponseOutputAudioTranscriptDone,
    ResponseOutputItemAdded,
    ResponseOutputItemDone,
    ResponseOutputTextDelta,
    ResponseOutputTextDone,
    ResponseStatusDetails,
    ResponseStatusError,
    Tool,
    ToolChoice,
    Usage,
)

__all__ = ["Responses"]


TOKEN_LIMIT = 40_000


class Responses(MachineCore):
    """The responses concern; the function call streaming is in `function_calls`."""

    def _on_response_create(self, event: ResponseCreate) -> None:
        if self._realtime is None:
            raise ClientError(
                "invalid_value", "Responses are not supported in transcription sessions.", "type"
            )
        params = event.response if isinstance(event.response, ResponseCreateParams) else None
        params = params or ResponseCreateParams()
        check_response_params(params)
        if params.conversation != "none":
            for active in self._active.values():
                if active.in_conversation:
                    raise ClientError(
                        "conversation_already_has_active_response",
                        "Conversation already has an active response in progress: "
                        f"{active.id}. Wait until the response is finished before creating "
                        "a new one.",
                    )
        self._start_response(params)

    def _on_response_cancel(self, event: ResponseCancel) -> None:
        target: ActiveResponse | None
        if isinstance(event.response_id, str):
            target = self._active.get(event.response_id)
        else:
            in_conversation = [a for a in self._active.values() if a.in_conversation]
            candidates = in_conversation or list(self._active.values())
            target = candidates[-1] if candidates else None
        if target is None:
            raise ClientError(
                "response_cancel_not_active", "Cancellation failed: no active response found."
            )
        self._cancel(target, "client_cancelled")

    def _context(self, params: ResponseCreateParams) -> list[Item]:
        if not isinstance(params.input, list):
            return list(self.conversation.items)
        context: list[Item] = []
        for index, entry in enumerate(params.input):
            if isinstance(entry, ItemReference):
                found = self.conversation.get(entry.id)
                if found is None:
                    raise ClientError(
                        "invalid_value",
                        f"Item with id '{entry.id}' not found.",
                        f"response.input[{index}].id",
                    )
                context.append(found)
            else:
                # An inline item is held to what `conversation.item.create` would accept;
                # that response.create refuses it the same way is a guess (the harsher one).
                check_item(entry, f"response.input[{index}]")
                context.append(entry)
        return context

    def _input_tokens(self, context: list[Item], instructions: str) -> tuple[int, int]:
        text = text_tokens(instructions)
        audio = 0
        for item in context:
            if isinstance(item, MessageItem):
                for part in item.content:
                    text += text_tokens(part.text if isinstance(part.text, str) else "")
                    if isinstance(part.audio, bytes):
                        audio += math.ceil(self.item_audio_ms(item) / 100)
                    elif isinstance(part.transcript, str):
                        text += text_tokens(part.transcript)
            elif isinstance(item, FunctionCallItem):
                text += text_tokens(item.name + item.arguments)
            else:
                text += text_tokens(msgspec.json.encode(item).decode())
        return text, audio

    def _start_response(self, params: ResponseCreateParams) -> None:
        session = self._realtime
        assert session is not None
        context = self._context(params)
        in_conversation = params.conversation != "none"
        modalities = params.output_modalities
        if not isinstance(modalities, list):
            modalities = session.output_modalities
        modality = modalities[0] if isinstance(modalities, list) and modalities else "audio"
        out = self._output_config()
        override = params.audio.output if isinstance(params.audio, ResponseAudio) else None
        override = override if isinstance(override, OutputAudioConfig) else OutputAudioConfig()
        voice = override.voice if override.voice is not UNSET else out.voice
        fmt = override.format if isinstance(override.format, AudioFormat) else out.format
        fmt = fmt if isinstance(fmt, AudioFormat) else AudioFormat.pcm()
        max_tokens = params.max_output_tokens
        if max_tokens is UNSET:
            max_tokens = session.max_output_tokens
        max_tokens = max_tokens if isinstance(max_tokens, int) or max_tokens == "inf" else "inf"
        instructions = params.instructions
        if not isinstance(instructions, str):
            instructions = session.instructions if isinstance(session.instructions, str) else ""
        text_in, audio_in = self._input_tokens(context, instructions)
        cached = min(self._tokens_seen, text_in + audio_in) // 64 * 64
        if in_conversation:
            self._tokens_seen = text_in + audio_in
        response = Response(
            id=self.ids.next("resp"),
            object="realtime.response",
            status="in_progress",
            status_details=None,
            output=[],
            conversation_id=self.conversation_id if in_conversation else None,
            output_modalities=[modality],
            max_output_tokens=max_tokens,
            audio=ResponseAudio(output=OutputAudioConfig(format=fmt, voice=voice)),
            usage=None,
            metadata=params.metadata if isinstance(params.metadata, dict) else None,
        )
        active = ActiveResponse(
            response=response,
            in_conversation=in_conversation,
            modality=modality,
            audio_format=fmt,
            input_tokens=text_in + audio_in,
            cached_tokens=cached,
            input_audio_tokens=audio_in,
        )
        self._active[active.id] = active
        self._drop_timers(IDLE_TIMER)
        tools = params.tools if isinstance(params.tools, list) else session.tools
        choice: ToolChoice | None = None
        for candidate in (params.tool_choice, session.tool_choice):
            if candidate is not UNSET and candidate is not None:
                choice = candidate
                break
        parallel = params.parallel_tool_calls is not False
        plan = plan_reply(
            context,
            tools=tools if isinstance(tools, list) else list[Tool](),
            tool_choice=choice,
            script=self.script,
            audio_ms=self.item_audio_ms,
            heard_words=self.heard_words.get,
            live=self.realism.live,
            parallel=parallel,
            rng=self.rng,
        )
        budget = max_tokens if isinstance(max_tokens, int) else None
        speed = out.speed if isinstance(out.speed, float | int) else 1.0
        active.generator = self._run_response(
            active, plan, self._content_fault(RESPONSE_FAULTS), budget, float(speed)
        )
        self._step(active)

    def _run_response(
        self,
        active: ActiveResponse,
        plan: list[Plan],
        fault: str | None,
        budget: int | None,
        voice_speed: float,
    ) -> Generator[float, None, None]:
        created = self.realism.response_created_s
        if created > 0:
            yield self._now + created
        self._emit(ResponseCreated(event_id=self._eid(), response=active.response))
        active.created_sent = True
        if fault in ("response-failed", "response-denied"):
            denied = fault == "response-denied"
            self._finish(
                active, "failed", permission_failure() if denied else rate_limit_failure(self.rng)
            )
            return
        wait = self.realism.first_delta_s - created
        if wait > 0:
            yield self._now + wait
        if fault == "server-error":
            # A captured non-fatal `error` of type server_error; that the response then
            # ends failed with the same error is a guess (the harsher choice).
            self._emit(Error(event_id=self._eid(), error=server_error_details()))
            failure = ResponseStatusError(type="server_error", message=SERVER_ERROR_MESSAGE)
            self._finish(active, "failed", ResponseStatusDetails(type="failed", error=failure))
            return
        status, reason = "completed", None
        for step in plan:
            if isinstance(step, FunctionPlan):
                yield from self._run_function(active, step, self._now)
                continue
            if isinstance(step, McpCallPlan):
                yield from self._run_mcp_call(active, step, self._now)
                continue
            if isinstance(step, McpApprovalPlan):
                self._run_mcp_approval(active, step)
                continue
            cut = "content_filter" if fault == "response-incomplete" else None
            step_status = yield from self._run_message(
                active, step.text, budget, voice_speed, t0=self._now, cut=cut
            )
            if step_status != "completed":
                status, reason = "incomplete", step_status
                break
        self._finish(
            active, status, ResponseStatusDetails(type=status, reason=reason) if reason else None
        )

    def _step(self, active: ActiveResponse) -> None:
        assert active.generator is not None
        try:
            due = next(active.generator)
        except StopIteration:
            return
        self._schedule(due, active.id, lambda: self._step(active))

    def _open_item(self, active: ActiveResponse, item: MessageItem | FunctionCallItem) -> None:
        active.item = item
        active.text = ""
        active.audio = bytearray()
        active.previous_item_id = self._add_output(active, item)

    def _run_message(
        self,
        active: ActiveResponse,
        text: str,
        budget: int | None,
        voice_speed: float,
        *,
        t0: float,
        cut: str | None = None,
    ) -> Generator[float, None, str]:
        """Stream one assistant message; returns "completed", or why it stopped early
        (`max_output_tokens`, or `content_filter` when `cut` asks for it)."""
        audio = active.modality == "audio"
        pieces = word_pieces(text)
        speech = speak(text, speed=voice_speed) if audio else None
        status = "completed"
        kept = _within_budget(pieces, speech, budget)
        if cut is not None and len(pieces) > 1:
            kept, status = min(kept, max(1, len(pieces) // 2)), cut
        elif kept < len(pieces):
            status = "max_output_tokens"
        if kept < len(pieces):
            pieces = pieces[:kept]
            if speech is not None:
                end_sample = speech.words[kept][0]
                speech = Speech(samples=speech.samples[:end_sample], words=speech.words[:kept])
        item_key = self.ids.next("item")
        self._item_bpm[item_key] = bytes_per_ms(active.audio_format)
        self._open_item(
            active,
            MessageItem(id=item_key, status="in_progress", role="assistant", content=[]),
        )
        kind = "audio" if audio else "text"
        self._emit(
            ResponseContentPartAdded(
                event_id=self._eid(),
                response_id=active.id,
                item_id=item_key,
                output_index=active.index,
                content_index=0,
                part=ResponseContentPart(type=kind, transcript="")
                if audio
                else ResponseContentPart(type=kind, text=""),
            )
        )
        active.part_open = True
        common: dict[str, Any] = {
            "response_id": active.id,
            "item_id": item_key,
            "output_index": active.index,
            "content_index": 0,
        }
        if speech is not None:
            chunk = self.chunk_ms * SAMPLE_RATE // 1000
            count = math.ceil(len(speech.samples) / chunk)
            tokens = self._transcript_tokens(speech)
            lead = round(self.realism.transcript_lead_ms * SAMPLE_RATE / 1000)
            word = 0
            for index in range(count):
                yield self._pace(t0 + (index + 1) * self.chunk_ms / 1000 / self.speed, index)
                end = (index + 1) * chunk
                while word < len(tokens) and tokens[word][0] < end + lead:
                    piece = tokens[word][1]
                    active.text += piece
                    self._emit(
                        ResponseOutputAudioTranscriptDelta(
                            event_id=self._eid(),
                            delta=piece,
                            obfuscation=self._obfuscation(piece),
                            **common,
                        )
                    )
                    word += 1
                data = encode_pcm24k(speech.samples[index * chunk : end], active.audio_format)
                active.audio += data
                if active.first_audio_at is None:
                    active.first_audio_at = self._now
                self.audio_produced = True
                self._emit(ResponseOutputAudioDelta(event_id=self._eid(), delta=data, **common))
        else:
            text_pieces = token_pieces("".join(pieces)) if self.realism.live else pieces
            for index, piece in enumerate(text_pieces):
                yield self._pace(
                    t0 + (index + 1) * self.text_interval_ms / 1000 / self.speed, index
                )
                active.text += piece
                self._emit(
                    ResponseOutputTextDelta(
                        event_id=self._eid(),
                        delta=piece,
                        obfuscation=self._obfuscation(piece),
                        **common,
                    )
                )
        self._close_part(active)
        self._close_item(active, "completed" if status == "completed" else "incomplete")
        return status

    def _transcript_tokens(self, speech: Speech) -> list[tuple[int, str]]:
        """The transcript deltas of `speech` with the sample each is due at: one per word
        (exact mode) or token pieces (live mode), each due when its word starts."""
        if not self.realism.live:
            return speech.words
        tokens: list[tuple[int, str]] = []
        for start, word in speech.words:
            tokens += [(start, piece) for piece in token_pieces(word)]
        return tokens

    def _close_part(self, active: ActiveResponse) -> None:
        if not active.part_open or not isinstance(active.item, MessageItem):
            return
        active.part_open = False
        common: dict[str, Any] = {
            "response_id": active.id,
            "item_id": item_id(active.item),
            "output_index": active.index,
            "content_index": 0,
        }
        if active.modality == "audio":
            self._emit(ResponseOutputAudioDone(event_id=self._eid(), **common))
            self._emit(
                ResponseOutputAudioTranscriptDone(
                    event_id=self._eid(), transcript=active.text, **common
                )
            )
            part = ResponseContentPart(type="audio", transcript=active.text)
        else:
            self._emit(ResponseOutputTextDone(event_id=self._eid(), text=active.text, **common))
            part = ResponseContentPart(type="text", text=active.text)
        self._emit(ResponseContentPartDone(event_id=self._eid(), part=part, **common))

    def _close_item(self, active: ActiveResponse, status: str) -> None:
        item = active.item
        if item is None:
            return
        final: MessageItem | FunctionCallItem
        if isinstance(item, MessageItem):
            content = (
                ContentPart(type="output_audio", audio=bytes(active.audio), transcript=active.text)
                if active.modality == "audio"
                else ContentPart.output_text(active.text)
            )
            final = msgspec.structs.replace(item, status=status, content=[content])
            active.text_out += text_tokens(active.text)
            if active.modality == "audio":
                audio_ms = len(active.audio) / bytes_per_ms(active.audio_format)
                active.audio_out += math.ceil(audio_ms / 50)
                active.audio_ms += audio_ms
        else:
            final = msgspec.structs.replace(item, status=status, arguments=active.text)
            active.text_out += text_tokens(item.name + active.text)
        active.item = None
        self._done_output(active, final, active.previous_item_id)

    def _add_output(self, active: ActiveResponse, item: OutputItem) -> str | None:
        """Announce a new output item (and add it to the conversation); returns the id of
        the item it follows there."""
        self._emit(
            ResponseOutputItemAdded(
                event_id=self._eid(), response_id=active.id, output_index=active.index, item=item
            )
        )
        previous = None
        if active.in_conversation:
            previous = self.conversation.insert(item)
            self._emit(
                ConversationItemAdded(event_id=self._eid(), item=item, previous_item_id=previous)
            )
        return previous

    def _done_output(self, active: ActiveResponse, item: OutputItem, previous: str | None) -> None:
        """Record a finished output item and announce it (audio bytes left out)."""
        index = active.index
        active.output.append(item)
        echo = strip_audio(item)
        if active.in_conversation:
            self.conversation.replace(item)
            self._emit(
                ConversationItemDone(event_id=self._eid(), item=echo, previous_item_id=previous)
            )
        self._emit(
            ResponseOutputItemDone(
                event_id=self._eid(), response_id=active.id, output_index=index, item=echo
            )
        )

    def _usage(self, active: ActiveResponse) -> Usage:
        text_out, audio_out = active.text_out, active.audio_out
        output = text_out + audio_out
        text_in = active.input_tokens - active.input_audio_tokens
        cached_audio = min(active.cached_tokens, active.input_audio_tokens)
        return Usage(
            total_tokens=active.input_tokens + output,
            input_tokens=active.input_tokens,
            output_tokens=output,
            input_token_details=InputTokenDetails(
                text_tokens=text_in,
                audio_tokens=active.input_audio_tokens,
                image_tokens=0,
                cached_tokens=active.cached_tokens,
                cached_tokens_details=CachedTokenDetails(
                    text_tokens=active.cached_tokens - cached_audio,
                    audio_tokens=cached_audio,
                    image_tokens=0,
                ),
            ),
            output_token_details=OutputTokenDetails(text_tokens=text_out, audio_tokens=audio_out),
        )

    def _finish(
        self, active: ActiveResponse, status: str, details: ResponseStatusDetails | None
    ) -> None:
        usage = self._usage(active)
        output = [strip_audio(item) for item in active.output]
        response = msgspec.structs.replace(
            active.response, status=status, status_details=details, output=output, usage=usage
        )
        self._active.pop(active.id, None)
        self._emit(ResponseDone(event_id=self._eid(), response=response))
        total = usage.total_tokens if isinstance(usage.total_tokens, int) else 0
        delay = self.realism.rate_limits_s if self.realism.live else self.rate_limit_delay
        self._schedule(self._now + delay, None, lambda: self._rate_limits(total))
        if status == "completed" and active.in_conversation and active.first_audio_at is not None:
            self._arm_idle_timeout(active.first_audio_at + active.audio_ms / 1000)

    def _rate_limits(self, used: int) -> None:
        remaining = max(0, TOKEN_LIMIT - used)
        self._emit(
            RateLimitsUpdated(
                event_id=self._eid(),
                rate_limits=[
                    RateLimit(
                        name="tokens",
                        limit=TOKEN_LIMIT,
                        remaining=remaining,
                        reset_seconds=round(used / TOKEN_LIMIT * 60, 3),
                    )
                ],
            )
        )

    def _cancel(self, active: ActiveResponse, reason: str) -> None:
        self._drop_timers(active.id)
        if active.generator is not None:
            active.generator.close()
        if not active.created_sent:
            self._emit(ResponseCreated(event_id=self._eid(), response=active.response))
            active.created_sent = True
        self._close_part(active)
        self._close_item(active, "incomplete")
        self._finish(active, "cancelled", ResponseStatusDetails(type="cancelled", reason=reason))

    def _run_function(
        self, active: ActiveResponse, plan: FunctionPlan, t0: float
    ) -> Generator[float, None, None]:
        raise NotImplementedError

    def _run_mcp_call(
        self, active: ActiveResponse, plan: McpCallPlan, t0: float
    ) -> Generator[float, None, None]:
        raise NotImplementedError

    def _run_mcp_approval(self, active: ActiveResponse, plan: McpApprovalPlan) -> None:
        raise NotImplementedError


def _within_budget(pieces: list[str], speech: Speech | None, budget: int | None) -> int:
    """How many word pieces fit in `budget` output tokens (text plus audio)."""
    if budget is None:
        return len(pieces)
    kept, used = 0, 0
    for index, piece in enumerate(pieces):
        cost = text_tokens(piece)
        if speech is not None:
            end = speech.words[index + 1][0] if index + 1 < len(pieces) else None
            length = (end or len(speech.samples)) - speech.words[index][0]
            cost += math.ceil(length / SAMPLE_RATE * 20)
        if used + cost > budget:
            break
        used += cost
        kept += 1
    return kept
