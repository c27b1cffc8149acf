"""Live realism mode through the real websocket: timing, streaming shape, late and
out-of-order transcription, failures on request, idle timeout, model names."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from realtime_cli.emulator import Emulator
from realtime_cli.emulator.realism import Realism, token_pieces
from realtime_cli.protocol import (
    ConversationItemInputAudioTranscriptionCompleted,
    ConversationItemInputAudioTranscriptionFailed,
    Error,
    InputAudioBufferCommitted,
    InputAudioBufferSpeechStarted,
    ResponseDone,
    ResponseOutputAudioDelta,
    ResponseOutputAudioTranscriptDelta,
    ResponseOutputTextDelta,
)
from tests.emulator.support import append_events, arun, connect, speech_pcm

SPEED = 10.0  # latencies at half the measured figures (measured at speed 5)
SCALE = 5.0 / SPEED


def live(**kwargs: Any) -> Emulator:
    return Emulator(speed=SPEED, realism=Realism.measured(SPEED), **kwargs)


def say(text: str) -> dict[str, Any]:
    return {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        },
    }


def audio_input(**settings: Any) -> dict[str, Any]:
    """A `session.update` of the input audio settings (and text output, if asked)."""
    text = settings.pop("text", False)
    session: dict[str, Any] = {"type": "realtime", "audio": {"input": settings}}
    if text:
        session["output_modalities"] = ["text"]
    return {"type": "session.update", "session": session}


TEXT_ONLY = {
    "type": "session.update",
    "session": {"type": "realtime", "output_modalities": ["text"]},
}


def test_token_pieces_have_leading_spaces_and_join_back() -> None:
    text = "Hi there, friend! Transcription works."
    pieces = token_pieces(text)
    assert "".join(pieces) == text
    assert pieces[:5] == ["Hi", " there", ",", " friend", "!"]
    assert all(len(piece.strip()) <= 7 for piece in pieces)  # long words come in pieces


def test_latency_follows_the_measured_profile_scaled_by_speed() -> None:
    async def body() -> None:
        async with live() as emu, connect(emu) as client:
            started = time.monotonic()
            await client.send(TEXT_ONLY)
            await client.expect("session.updated")
            updated = time.monotonic() - started
            await client.send(say("hello there"))
            await client.recv_until("conversation.item.done")
            started = time.monotonic()
            await client.send({"type": "response.create"})
            await client.expect("response.created")
            created = time.monotonic() - started
            events = await client.recv_until("response.output_text.delta")
            first_delta = time.monotonic() - started
            done = await client.recv_until("response.done")
            await client.expect("rate_limits.updated")
            # From the request: a gap measured between two arrivals could shrink under load.
            rate_limits = time.monotonic() - started
            assert events and isinstance(done[-1], ResponseDone)
            # Lower bounds only: a loaded machine is slower, never faster.
            assert updated >= 0.26 * SCALE * 0.95
            assert created >= 0.28 * SCALE * 0.95
            assert first_delta >= 0.48 * SCALE * 0.95
            assert rate_limits >= (0.48 + 0.04) * SCALE * 0.95

    arun(body())


def test_text_deltas_are_token_pieces_with_obfuscation() -> None:
    async def body() -> None:
        async with live() as emu, connect(emu) as client:
            emu.queue_reply("Hi there, friend! Everything is fine.")
            await client.send(TEXT_ONLY)
            await client.send(say("hi"))
            await client.send({"type": "response.create"})
            events = await client.recv_until("response.done")
            deltas = [e for e in events if isinstance(e, ResponseOutputTextDelta)]
            assert [d.delta for d in deltas][:5] == ["Hi", " there", ",", " friend", "!"]
            assert all(isinstance(d.obfuscation, str) and d.obfuscation for d in deltas)

    arun(body())


def test_audio_transcript_runs_ahead_of_the_audio() -> None:
    async def body() -> None:
        async with live() as emu, connect(emu) as client:
            reply = "One two three four five six seven eight nine ten eleven twelve."
            emu.queue_reply(reply)
            await client.send(say("count"))
            await client.send({"type": "response.create"})
            events = await client.recv_until("response.done")
            first_audio = next(
                i for i, e in enumerate(events) if isinstance(e, ResponseOutputAudioDelta)
            )
            before = [
                e.delta
                for e in events[:first_audio]
                if isinstance(e, ResponseOutputAudioTranscriptDelta)
            ]
            # Words arrive before any of their audio (the captured shape).
            assert len("".join(before).split()) >= 3
            assert all(
                isinstance(d.obfuscation, str)
                for d in events
                if d.type.endswith("transcript.delta")
            )

    arun(body())


def test_transcription_is_late_and_can_complete_out_of_order() -> None:
    async def body() -> None:
        async with live() as emu, connect(emu) as client:
            await client.send(
                audio_input(transcription={"model": "gpt-4o-mini-transcribe"}, turn_detection=None)
            )
            await client.expect("session.updated")
            emu.queue_transcript("the first turn", delay=0.8)
            emu.queue_transcript("the second turn", delay=0.2)
            pcm = speech_pcm(("tone", 300))
            for turn in range(2):
                for event in append_events(pcm):
                    await client.send(event)
                await client.send({"type": "input_audio_buffer.commit", "event_id": f"c{turn}"})
            events = await client.recv_until(
                "conversation.item.input_audio_transcription.completed"
            )
            events += await client.recv_until(
                "conversation.item.input_audio_transcription.completed"
            )
            committed = [e.item_id for e in events if isinstance(e, InputAudioBufferCommitted)]
            done = [
                (e.item_id, e.transcript)
                for e in events
                if isinstance(e, ConversationItemInputAudioTranscriptionCompleted)
            ]
            assert len(committed) == 2
            # The later turn's transcript arrives first; each names its own item.
            assert done == [(committed[1], "the second turn"), (committed[0], "the first turn")]

    arun(body())


def test_speech_started_item_id_is_the_committed_item_and_silence_transcribes_empty() -> None:
    async def body() -> None:
        async with live() as emu, connect(emu) as client:
            await client.send(
                audio_input(
                    text=True,
                    transcription={"model": "whisper-1"},
                    turn_detection={"type": "server_vad", "create_response": False},
                )
            )
            await client.expect("session.updated")
            for event in append_events(
                speech_pcm(("silence", 200), ("tone", 600), ("silence", 900))
            ):
                await client.send(event)
            events = await client.recv_until("input_audio_buffer.committed")
            started = next(e for e in events if isinstance(e, InputAudioBufferSpeechStarted))
            assert started.item_id == events[-1].item_id
            await client.recv_until("conversation.item.input_audio_transcription.completed")
            # Silence, committed by hand, is transcribed as "".
            await client.send(audio_input(turn_detection=None))
            await client.expect("session.updated")
            for event in append_events(speech_pcm(("silence", 500))):
                await client.send(event)
            await client.send({"type": "input_audio_buffer.commit"})
            events = await client.recv_until(
                "conversation.item.input_audio_transcription.completed"
            )
            assert events[-1].transcript == ""

    arun(body())


def test_faults_on_request_fail_stop_and_err_like_the_service() -> None:
    async def body() -> None:
        async with live() as emu, connect(emu) as client:
            await client.send(TEXT_ONLY)
            emu.faults.add("response-failed")
            await client.send(say("hello"))
            await client.send({"type": "response.create"})
            done = (await client.recv_until("response.done"))[-1]
            assert done.response.status == "failed"
            error = done.response.status_details.error
            assert error.code == "rate_limit_exceeded"
            assert "Please try again in " in error.message
            assert "response-failed" not in emu.faults  # one-shot

            emu.faults.add("response-denied")
            await client.send({"type": "response.create"})
            done = (await client.recv_until("response.done"))[-1]
            assert done.response.status == "failed"
            error = done.response.status_details.error
            assert error.code is None and "insufficient permissions" in error.message
            assert "response-denied" not in emu.faults  # one-shot

            emu.faults.add("response-incomplete")
            await client.send({"type": "response.create"})
            done = (await client.recv_until("response.done"))[-1]
            assert done.response.status == "incomplete"
            assert done.response.status_details.reason == "content_filter"

            emu.faults.add("server-error")
            await client.send({"type": "response.create"})
            events = await client.recv_until("response.done")
            errors = [e for e in events if isinstance(e, Error)]
            assert [e.error.type for e in errors] == ["server_error"]
            assert errors[0].error.code is None
            assert events[-1].response.status == "failed"

            # The session goes on.
            await client.send({"type": "response.create"})
            done = (await client.recv_until("response.done"))[-1]
            assert done.response.status == "completed"

    arun(body())


def test_transcription_failed_on_request() -> None:
    async def body() -> None:
        async with live(faults={"transcription-failed"}) as emu, connect(emu) as client:
            await client.send(
                audio_input(transcription={"model": "gpt-4o-transcribe"}, turn_detection=None)
            )
            for event in append_events(speech_pcm(("tone", 400))):
                await client.send(event)
            await client.send({"type": "input_audio_buffer.commit"})
            events = await client.recv_until("conversation.item.input_audio_transcription.failed")
            failed = events[-1]
            assert failed.error.code == "audio_unintelligible"
            assert failed.item_id == next(
                e.item_id for e in events if isinstance(e, InputAudioBufferCommitted)
            )

    arun(body())


def test_transcription_stalls_mid_item_and_never_finishes() -> None:
    """The `transcription-stalls` fault (reported: deltas stop mid-item with no error):
    some deltas of the first turn, then neither `completed` nor `failed` for it, ever; the
    session goes on and the next turn is transcribed in full."""
    words = "What is the weather in Oslo today?"

    async def body() -> None:
        async with live(faults={"transcription-stalls"}) as emu, connect(emu) as client:
            emu.queue_transcript(words)
            emu.queue_transcript("Thanks.")
            await client.send(
                audio_input(transcription={"model": "gpt-4o-transcribe"}, turn_detection=None)
            )
            items: list[str] = []
            events: list[Any] = []
            for _ in range(2):
                for event in append_events(speech_pcm(("tone", 400))):
                    await client.send(event)
                await client.send({"type": "input_audio_buffer.commit"})
                committed = await client.recv_until("input_audio_buffer.committed")
                events += committed
                items.append(committed[-1].item_id)
            events += await client.recv_until(
                "conversation.item.input_audio_transcription.completed"
            )
            # Well past the latest a transcription comes in live mode (1.4 s at speed 5).
            deadline = time.monotonic() + 3 * 1.4 * SCALE
            while (left := deadline - time.monotonic()) > 0:
                try:
                    events.append(await client.recv(timeout=left))
                except TimeoutError:
                    break
            first, second = items
            deltas = [
                e.delta
                for e in events
                if e.type == "conversation.item.input_audio_transcription.delta"
                and e.item_id == first
            ]
            assert deltas and len(deltas) < len(token_pieces(words))
            assert words.startswith("".join(deltas))
            finished = [
                (e.type.rsplit(".", 1)[-1], e.item_id)
                for e in events
                if e.type.startswith("conversation.item.input_audio_transcription.")
                and not e.type.endswith(".delta")
            ]
            assert finished == [("completed", second)]
            assert "transcription-stalls" not in emu.faults  # one-shot

    arun(body())


def test_idle_timeout_triggers_a_commit_and_a_response() -> None:
    async def body() -> None:
        async with Emulator(speed=50.0) as emu, connect(emu) as client:
            emu.queue_reply("Hi.")
            emu.queue_reply("Are you still there?")
            await client.send(
                audio_input(turn_detection={"type": "server_vad", "idle_timeout_ms": 300})
            )
            await client.expect("session.updated")
            await client.send(say("hello"))
            await client.send({"type": "response.create"})
            await client.recv_until("response.done")
            for event in append_events(speech_pcm(("silence", 800))):
                await client.send(event)
            events = await client.recv_until("input_audio_buffer.timeout_triggered", timeout=5)
            triggered = events[-1]
            assert triggered.audio_end_ms >= triggered.audio_start_ms
            after = await client.recv_until("response.done")
            kinds = [e.type for e in after]
            assert kinds.index("input_audio_buffer.committed") < kinds.index("response.created")
            committed = next(e for e in after if isinstance(e, InputAudioBufferCommitted))
            assert committed.item_id == triggered.item_id

    arun(body())


def test_new_models_of_the_realtime_families_are_accepted() -> None:
    async def body() -> None:
        async with Emulator() as emu:
            for model in ("gpt-realtime-3", "gpt-realtime-mini-2027-01-01", "gpt-audio-2"):
                async with connect(emu, model=model, skip_created=False) as client:
                    created = await client.expect("session.created")
                    assert created.session.model == model
            async with connect(emu, model="gpt-nope", skip_created=False) as client:
                error = await client.expect("error")
                assert error.error.message == 'Model "gpt-nope" is not supported in realtime mode.'

    arun(body())


def test_live_answers_follow_templates_by_kind_of_request() -> None:
    from realtime_cli.emulator.answers import answer, unheard_audio_answer

    assert answer("hello") == "Hi there! What can I do for you?"
    assert answer("what is twelve times 3?") == "12 times 3 is 36."
    assert answer("Summarize this: the cat sat.") == "In short: the cat sat."
    assert answer("thanks a lot") == "You're welcome. Anything else?"
    assert answer("Where is Oslo?").startswith("Good question: where is Oslo.")
    assert answer(None).startswith("I heard you, but")
    assert unheard_audio_answer(2200).startswith("Thanks, I heard 2.2 seconds")


def test_live_model_hears_scripted_speech_before_its_transcript_arrives() -> None:
    async def body() -> None:
        async with live() as emu, connect(emu) as client:
            await client.send(audio_input(text=True, turn_detection=None))
            emu.queue_transcript("what is two plus two", delay=2.0)
            for event in append_events(speech_pcm(("tone", 400))):
                await client.send(event)
            await client.send({"type": "input_audio_buffer.commit"})
            await client.send({"type": "response.create"})
            done = (await client.recv_until("response.done"))[-1]
            assert done.response.output[0].content[0].text == "2 plus 2 is 4."

    arun(body())


def test_failure_rate_fails_a_seeded_share_of_responses() -> None:
    async def statuses(rate: float, seed: int) -> list[str]:
        realism = Realism.measured(50.0, failure_rate=rate, seed=seed)
        async with Emulator(speed=50.0, realism=realism) as emu, connect(emu) as client:
            await client.send(TEXT_ONLY)
            await client.send(say("hello"))
            found = []
            for _ in range(8):
                await client.send({"type": "response.create"})
                done = (await client.recv_until("response.done"))[-1]
                details = done.response.status_details
                failed = done.response.status == "failed"
                why = (details.error.code or details.error.type) if failed else None
                found.append(f"{done.response.status} {why or ''}".strip())
            return found

    async def body() -> None:
        everything = await statuses(1.0, 1)
        # Every kind the service was seen to fail with: rate limit, authorization, server
        # error, content filter.
        assert set(everything) == {
            "failed rate_limit_exceeded",
            "failed invalid_request_error",
            "failed server_error",
            "incomplete",
        }
        assert await statuses(0.5, 4) == await statuses(0.5, 4)  # seeded: reproducible
        assert set(await statuses(0.0, 4)) == {"completed"}

    arun(body(), timeout=30)


def test_failure_rate_fails_or_stalls_a_seeded_share_of_transcriptions() -> None:
    """`--failure-rate` reaches input transcription too (PROTOCOL.md section 11): a seeded
    share of turns ends in `...transcription.failed` (after the deltas that went out) or
    stalls (some deltas, then nothing, ever); the rest complete."""
    words = "What is the weather in Oslo today?"
    speed = 50.0
    turns = 8

    async def outcomes(rate: float, seed: int) -> list[str]:
        realism = Realism.measured(speed, failure_rate=rate, seed=seed)
        async with Emulator(speed=speed, realism=realism) as emu, connect(emu) as client:
            for _ in range(turns):
                emu.queue_transcript(words)
            await client.send(
                audio_input(transcription={"model": "gpt-4o-transcribe"}, turn_detection=None)
            )
            await client.expect("session.updated")
            items: list[str] = []
            events: list[Any] = []
            for _ in range(turns):
                for event in append_events(speech_pcm(("tone", 200))):
                    await client.send(event)
                await client.send({"type": "input_audio_buffer.commit"})
                committed = await client.recv_until("input_audio_buffer.committed")
                events += committed
                items.append(committed[-1].item_id)
            # Well past the latest a transcription comes (1.4 s at speed 5).
            deadline = time.monotonic() + 3 * 1.4 * 5.0 / speed
            while (left := deadline - time.monotonic()) > 0:
                try:
                    events.append(await client.recv(timeout=left))
                except TimeoutError:
                    break
            found = []
            for item in items:
                mine = [e for e in events if getattr(e, "item_id", None) == item]
                deltas = "".join(
                    e.delta
                    for e in mine
                    if e.type == "conversation.item.input_audio_transcription.delta"
                )
                ends = [
                    e
                    for e in mine
                    if e.type
                    in (
                        "conversation.item.input_audio_transcription.completed",
                        "conversation.item.input_audio_transcription.failed",
                    )
                ]
                assert len(ends) <= 1 and words.startswith(deltas)
                if not ends:
                    assert deltas and deltas != words  # stalled part way
                    found.append("stalled")
                elif isinstance(ends[0], ConversationItemInputAudioTranscriptionFailed):
                    assert ends[0].content_index == 0
                    assert ends[0].error.code == "audio_unintelligible"
                    assert deltas != words
                    found.append("failed")
                else:
                    assert ends[0].transcript == words == deltas
                    found.append("completed")
            return found

    async def body() -> None:
        everything = await outcomes(1.0, 1)
        assert set(everything) == {"failed", "stalled"}
        some = await outcomes(0.5, 4)
        assert "completed" in some and set(some) != {"completed"}
        assert some == await outcomes(0.5, 4)  # seeded: reproducible
        assert set(await outcomes(0.0, 4)) == {"completed"}

    arun(body(), timeout=30)


def test_a_refused_commit_is_answered_late_after_the_next_commit() -> None:
    async def body() -> None:
        async with live() as emu, connect(emu) as client:
            await client.send(audio_input(turn_detection=None))
            await client.expect("session.updated")
            await client.send({"type": "input_audio_buffer.commit", "event_id": "empty"})
            for event in append_events(speech_pcm(("tone", 300))):
                await client.send(event)
            await client.send({"type": "input_audio_buffer.commit", "event_id": "full"})
            events = await client.recv_until("error")
            kinds = [e.type for e in events]
            # The error answers the first commit but comes after the second one's events.
            assert kinds.index("input_audio_buffer.committed") < kinds.index("error")
            assert events[-1].error.event_id == "empty"
            assert events[-1].error.code == "input_audio_buffer_commit_empty"

    arun(body())


def test_every_refusal_is_answered_late_after_later_replies() -> None:
    """A guess from the refused commit (the harsher one): any refused event's `error` comes
    late, after the replies to what the client sent next, so only `event_id` matches it."""

    async def body() -> None:
        async with live() as emu, connect(emu) as client:
            await client.send(TEXT_ONLY)
            await client.expect("session.updated")
            await client.send({"type": "response.cancel", "event_id": "nothing"})
            await client.send({"type": "not.a.type", "event_id": "unknown"})
            await client.send(say("hello"))
            await client.send({"type": "response.create"})
            events: list[Any] = []
            while [e.type for e in events].count("error") < 2:
                events.append(await client.recv())
            kinds = [e.type for e in events]
            assert kinds.index("response.created") < kinds.index("error")
            errors = {e.error.event_id: e.error.code for e in events if isinstance(e, Error)}
            assert errors == {"nothing": "response_cancel_not_active", "unknown": "invalid_value"}

    arun(body())


def test_unknown_type_refusal_lists_the_services_twelve_types() -> None:
    async def body() -> None:
        async with Emulator() as emu, connect(emu) as client:
            await client.send({"type": "response.explode"})
            error = await client.expect("error")
            message = error.error.message
            assert message.endswith("'response.create', and 'response.cancel'.")
            assert message.count("', '") + message.count("', and '") == 11
            assert "'session.close'" in message

    arun(body())


@pytest.mark.parametrize("scripted", ["Hello there, my friend. How are you today?", None])
def test_streaming_transcription_sends_deltas_during_speech_with_the_final_item_id(
    scripted: str | None,
) -> None:
    """A streaming transcription model sends deltas while the user still speaks, naming the
    item the speech becomes; nothing is sent twice. Unscripted speech too (what
    `rt emulator` serves to a person): it is transcribed as its length."""

    async def body() -> None:
        async with live() as emu, connect(emu) as client:
            await client.send(
                audio_input(
                    text=True,
                    transcription={"model": "gpt-4o-mini-transcribe"},
                    turn_detection={"type": "server_vad", "create_response": False},
                )
            )
            await client.expect("session.updated")
            if scripted is not None:
                emu.queue_transcript(scripted, delay=0.3)
            pcm = speech_pcm(("silence", 200), ("tone", 1500), ("silence", 900))
            for event in append_events(pcm):
                await client.send(event)
                await asyncio.sleep(0.1 / SPEED * 5)  # a microphone's pace, sped up
            events = await client.recv_until(
                "conversation.item.input_audio_transcription.completed"
            )
            kinds = [e.type for e in events]
            started = next(e for e in events if isinstance(e, InputAudioBufferSpeechStarted))
            committed = next(e for e in events if isinstance(e, InputAudioBufferCommitted))
            deltas = [
                e for e in events if e.type == "conversation.item.input_audio_transcription.delta"
            ]
            first_delta = kinds.index("conversation.item.input_audio_transcription.delta")
            assert first_delta < kinds.index("input_audio_buffer.committed")
            assert {d.item_id for d in deltas} == {started.item_id} == {committed.item_id}
            transcript = events[-1].transcript
            assert "".join(d.delta for d in deltas) == transcript  # nothing sent twice
            if scripted is None:
                assert transcript.startswith("Speech of 1.")
            else:
                assert transcript == scripted

    arun(body())
