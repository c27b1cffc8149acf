"""rt's voice session and talk view against the emulator in live realism mode, through the
real websocket: late and out-of-order transcripts, failed transcription, failed responses,
interruptions before any audio was heard, and the cost of unheard audio."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from realtime_cli.emulator import Emulator
from realtime_cli.emulator.realism import Realism
from realtime_cli.emulator.synth import speak
from realtime_cli.protocol import ConversationItemDelete, ConversationItemTruncate, Error
from realtime_cli.session import VoiceSession
from realtime_cli.session.events import (
    AudioDelta,
    HeardRevised,
    Interrupted,
    ResponseDone,
    ResponseFailed,
    ToolCalled,
    ToolCompleted,
    TranscriptDone,
    TranscriptFailed,
    VoiceEvent,
)
from realtime_cli.tui.plain import PlainTranscript
from realtime_cli.tui.state import TalkView
from tests.emulator.support import arun

SPEED = 50.0


def live() -> Emulator:
    return Emulator(speed=SPEED, realism=Realism.measured(SPEED, seed=7))


def show(view: TalkView, event: VoiceEvent, now: float) -> None:
    """What `rt talk` does with each session event (cli/talk_loop.py)."""
    if isinstance(event, ResponseDone):
        view.feed([event.finished()], now)
    elif not isinstance(event, AudioDelta | ToolCalled | ToolCompleted):
        view.feed([event], now)


async def collect(
    session: VoiceSession,
    view: TalkView,
    until: Callable[[VoiceEvent], bool],
    seen: list[VoiceEvent] | None = None,
) -> list[VoiceEvent]:
    events = seen if seen is not None else []
    loop = asyncio.get_running_loop()
    async for event in session.events():
        events.append(event)
        show(view, event, loop.time())
        if until(event):
            break
    return events


def voice(emu: Emulator, **kwargs: Any) -> Any:
    """`VoiceSession.connect` to the emulator (an async context manager)."""
    return VoiceSession.connect(api_key="sk-test", base_url=emu.base_url, **kwargs)


def test_late_out_of_order_transcripts_land_in_their_own_turns() -> None:
    async def body() -> None:
        async with live() as emu:
            emu.queue_reply("First answer.")
            emu.queue_reply("Second answer.")
            # The first turn's transcript comes last.
            emu.queue_transcript("the first question", delay=1.5)
            emu.queue_transcript("the second question", delay=0.1)
            view = TalkView()
            plain = PlainTranscript(view)
            async with voice(
                emu, vad="none", transcription="gpt-4o-mini-transcribe", output_modality="text"
            ) as session:
                turn = speak("hello there").samples.astype("<i2").tobytes()
                done = 0

                def finished(event: VoiceEvent) -> bool:
                    nonlocal done
                    done += isinstance(event, ResponseDone)
                    users = [t for t in view.turns if t.role == "user"]
                    return done == 2 and len(users) == 2 and all(t.settled for t in users)

                seen: list[VoiceEvent] = []
                await session.send_pcm16(turn)
                await session.commit()
                await asyncio.wait_for(
                    collect(session, view, lambda e: isinstance(e, ResponseDone), seen), 10
                )
                done = 1
                # The first transcript is still on its way when the second turn is sent.
                assert not any(t.text for t in view.turns if t.role == "user")
                await session.send_pcm16(turn)
                await session.commit()
                await asyncio.wait_for(collect(session, view, finished, seen), 10)
            completed = [
                e.item_id for e in seen if isinstance(e, TranscriptDone) and e.role == "user"
            ]
            users = [t.item_id for t in view.turns if t.role == "user"]
            assert completed[:2] == [users[1], users[0]]  # they arrived out of order
            lines = plain.close(asyncio.get_running_loop().time())
            assert lines == [
                "you: the first question",
                "assistant: First answer.",
                "you: the second question",
                "assistant: Second answer.",
            ]

    arun(body())


def test_failed_transcription_and_untranscribed_turns_are_shown_as_such() -> None:
    async def body() -> None:
        async with live() as emu:
            emu.faults.add("transcription-failed")
            view = TalkView()
            async with voice(
                emu, vad="none", transcription="whisper-1", output_modality="text"
            ) as session:
                await session.send_pcm16(speak("hello").samples.astype("<i2").tobytes())
                await session.commit()
                events = await asyncio.wait_for(
                    collect(session, view, lambda e: isinstance(e, TranscriptFailed)), 10
                )
            failed = next(e for e in events if isinstance(e, TranscriptFailed))
            assert failed.message == "The audio could not be transcribed."
            user = next(t for t in view.turns if t.role == "user")
            assert user.item_id == failed.item_id
            assert PlainTranscript(view).close(0.0)[0] == (
                "you: (transcription failed: The audio could not be transcribed.)"
            )

            view = TalkView()
            async with voice(emu, vad="none", output_modality="text") as session:
                await session.send_pcm16(speak("hello").samples.astype("<i2").tobytes())
                await session.commit()
                await asyncio.wait_for(
                    collect(session, view, lambda e: isinstance(e, ResponseDone)), 10
                )
            assert PlainTranscript(view).close(0.0)[0] == "you: (not transcribed)"

    arun(body())


def test_a_failed_response_is_shown_with_the_service_message_and_wait() -> None:
    async def body() -> None:
        async with live() as emu:
            emu.faults.add("response-failed")
            view = TalkView()
            async with voice(emu, vad="none", output_modality="text") as session:
                await session.add_user_text("hello")
                await session.create_response()
                events = await asyncio.wait_for(
                    collect(session, view, lambda e: isinstance(e, ResponseFailed)), 10
                )
            failed = next(e for e in events if isinstance(e, ResponseFailed))
            assert failed.code == "rate_limit_exceeded"
            assert failed.retry_after_s is not None and 1.5 <= failed.retry_after_s <= 9.0
            line = PlainTranscript(view).close(0.0)[-1]
            assert line.startswith("assistant: (response failed (rate_limit_exceeded): Rate limit")
            assert f"[retry in {failed.retry_after_s:.1f} s]" in line
            assert view.notices[-1].level == "error"

    arun(body())


def test_interrupting_before_any_audio_is_heard_deletes_the_item() -> None:
    async def body() -> None:
        async with live() as emu:
            emu.queue_reply("A long answer that nobody will hear at all, not one word of it.")
            view = TalkView()
            async with voice(emu, vad="none") as session:
                await session.add_user_text("talk to me")
                await session.create_response()
                await asyncio.wait_for(
                    collect(session, view, lambda e: isinstance(e, AudioDelta)), 10
                )
                await session.barge_in()  # nothing was reported heard: 0 ms
                events = await asyncio.wait_for(
                    collect(session, view, lambda e: isinstance(e, ResponseDone)), 10
                )
                await asyncio.sleep(0.2)
            cut = next(e for e in events if isinstance(e, Interrupted))
            assert cut.heard_ms == 0 and cut.heard_text == ""
            sent = emu.client_events()
            assert any(isinstance(e, ConversationItemDelete) for e in sent)
            assert not any(isinstance(e, ConversationItemTruncate) for e in sent)
            # The delete is accepted (a cancel may race the end of generation under load).
            errors = [e.event for e in emu.sent if isinstance(e.event, Error)]
            assert [
                e.error.code for e in errors if e.error.code != "response_cancel_not_active"
            ] == []
            assert [e for e in emu.sent if e.event.type == "conversation.item.deleted"]

    arun(body())


def test_heard_text_after_an_interruption_is_never_ahead_of_the_audio_played() -> None:
    async def body() -> None:
        async with live() as emu:
            reply = "One two three four five six seven eight nine ten eleven twelve thirteen."
            emu.queue_reply(reply)
            view = TalkView()
            async with voice(emu, vad="none") as session:
                await session.add_user_text("count")
                await session.create_response()
                item = ""

                def enough(event: VoiceEvent) -> bool:
                    nonlocal item
                    if isinstance(event, AudioDelta):
                        item = event.item_id
                    return bool(item) and session.core.tracks[item].received_ms >= 1500

                await asyncio.wait_for(collect(session, view, enough), 10)
                # The transcript ran ahead: most of it arrived with 1.5 s of audio.
                assert len(session.core.tracks[item].transcript) > len(reply) // 2
                session.audio_heard(item, 1200)
                await session.barge_in()
                events = await asyncio.wait_for(
                    collect(session, view, lambda e: isinstance(e, ResponseDone)), 10
                )
            cut = next(e for e in events if isinstance(e, Interrupted))
            assert cut.heard_ms == 1200 and cut.estimated
            spoken = speak(reply)
            # Every word shown as heard started (and ended) within the 1.2 s played.
            heard_words = cut.heard_text.split()
            assert heard_words, cut
            ends = [start for start, _ in spoken.words[1:]] + [len(spoken.samples)]
            for index, word in enumerate(heard_words):
                assert spoken.words[index][1].strip() == word
                assert ends[index] * 1000 / 24000 <= 1200
            assert session.core.history()[-1] == ("assistant", cut.heard_text)

    arun(body())


def test_unheard_cost_is_revised_when_the_cut_comes_after_the_answer_finished() -> None:
    async def body() -> None:
        async with live() as emu:
            emu.queue_reply("Short answer, fully generated before the user cuts in.")
            view = TalkView()
            async with voice(emu, vad="none") as session:
                await session.add_user_text("hi")
                await session.create_response()
                events = await asyncio.wait_for(
                    collect(session, view, lambda e: isinstance(e, ResponseDone)), 10
                )
                assert view.cost.unheard == 0
                item = next(e.item_id for e in events if isinstance(e, AudioDelta))
                session.audio_heard(item, 500)
                await session.barge_in()
                revised = await asyncio.wait_for(
                    collect(session, view, lambda e: isinstance(e, HeardRevised)), 10
                )
            change = revised[-1]
            assert isinstance(change, HeardRevised) and change.heard_audio_ms == 500
            assert view.cost.unheard > 0
            assert view.cost.unheard < view.cost.total
            # The library's running total is revised the same way as the screen's.
            assert session.cost_total == view.cost

    arun(body())
