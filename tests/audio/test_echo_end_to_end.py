"""Echo cancellation end to end: real PortAudio on virtual devices with an acoustic echo path
(speaker monitor -> loopback 60 ms, -6 dB -> microphone, plus room noise), the voice session
over a real websocket to the emulator, whose server VAD is as sensitive as the service's.

The devices are opened as `rt talk` opens them: the adapters' stream latency and block size,
and the frame size and prebuffer floor of the default audio settings. Only the rates are
chosen (a 44.1 kHz speaker with a 48 kHz microphone), as a user's devices may have them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from realtime_cli.audio.capture import SoundDeviceMicrophone
from realtime_cli.audio.devices import STREAM_BLOCK_S, STREAM_LATENCY
from realtime_cli.audio.echo_control import EchoControl
from realtime_cli.audio.playback import SoundDeviceSpeaker
from realtime_cli.audio.wavfile import write_wav
from realtime_cli.config.settings import AudioSettings
from realtime_cli.emulator import Emulator
from realtime_cli.emulator.records import ClientFrame
from realtime_cli.protocol import ConversationItemTruncate
from realtime_cli.session import AudioDelta, Interrupted, ResponseDone, VoiceSession
from tests.audio.signals import voice_like
from tests.audio.virtual_audio import VirtualAudio

pytestmark = pytest.mark.virtual_audio

KEY = "sk-test-echo"
#: What `rt talk` gives its devices (cli/talk.py): everything else is the adapters' default.
TALK_AUDIO = AudioSettings()
#: About 3.5 s of synthetic speech with pauses between words and sentences.
ANSWER = "Sure. The weather today is mild, with a light breeze from the west and some sun."
#: The service's detector is believed to fire near -45 dBFS (10 ms frames).
SERVICE_VAD_DBFS = -45.0
MIC = "vmic"


@pytest.fixture
def echo_room(virtual_audio: VirtualAudio) -> Iterator[VirtualAudio]:
    virtual_audio.echo_path(gain_db=-6.0, delay_ms=60)
    virtual_audio.room_noise(-60.0)
    try:
        yield virtual_audio
    finally:
        virtual_audio.echo_off()
        virtual_audio.noise_off()


def _db(frames: list[np.ndarray]) -> float:
    x = np.concatenate(frames).astype(np.float64) / 32768 if frames else np.zeros(1)
    return float(10 * np.log10(np.mean(x * x) + 1e-20))


@dataclass
class Run:
    """What one conversation did."""

    #: Interruptions during the answers nobody talked over (including the answer to the
    #: user after their barge-in, on the stream the barge-in restarted): the assistant
    #: heard itself.
    self_interrupted: list[Interrupted] = field(default_factory=list)
    #: Interruptions while the user talked over the last answer.
    barge_ins: list[Interrupted] = field(default_factory=list)
    #: The answer to the user's barge-in: audio generated and heard, in ms (None: none).
    reply_ms: tuple[int, int] | None = None
    truncates: list[ConversationItemTruncate] = field(default_factory=list)
    raw_during_answers: list[np.ndarray] = field(default_factory=list)
    sent_during_answers: list[np.ndarray] = field(default_factory=list)
    answers_played: int = 0


async def _converse(
    va: VirtualAudio,
    mode: str,
    answers: int,
    *,
    barge_in_wav: Path | None = None,
    until_self_interrupted: bool = False,
) -> Run:
    run = Run()
    echo = EchoControl.for_mode(mode)  # type: ignore[arg-type]
    answering = False
    user_talking = False
    item_of: dict[str, str] = {}  # response id -> its audio item
    completed: list[ResponseDone] = []  # responses generated to the end
    async with Emulator(speed=5, vad_dbfs=SERVICE_VAD_DBFS) as emu:
        for _ in range(answers + 2):
            emu.script.queue_reply(ANSWER)
        # A 48 kHz microphone with a 44.1 kHz speaker: the pairing must not care.
        mic = SoundDeviceMicrophone(MIC, echo=echo, **_talk_microphone())
        raw = SoundDeviceMicrophone(MIC, **_talk_microphone())
        speaker = SoundDeviceSpeaker(
            "vspeaker",
            rate=44100,
            latency=STREAM_LATENCY,
            block_s=STREAM_BLOCK_S,
            prebuffer_s=TALK_AUDIO.prebuffer_ms / 1000,
            far_end=echo.reference,
        )

        async def sent() -> AsyncIterator[np.ndarray]:
            async for frame in mic:
                if answering:
                    run.sent_during_answers.append(frame)
                yield frame

        async def listen_raw() -> None:
            async for frame in raw:
                if answering:
                    run.raw_during_answers.append(frame)

        async with (
            mic,
            raw,
            speaker,
            VoiceSession.connect(
                api_key=KEY, base_url=emu.base_url, vad="server", speaker=speaker
            ) as session,
        ):
            raw_task = asyncio.create_task(listen_raw())
            stream = asyncio.create_task(session.stream_audio_pcm16(sent()))

            async def watch() -> None:
                async for event in session.events():
                    if isinstance(event, Interrupted):
                        (run.barge_ins if user_talking else run.self_interrupted).append(event)
                    elif isinstance(event, AudioDelta):
                        item_of.setdefault(event.response_id, event.item_id)
                    elif isinstance(event, ResponseDone) and event.status == "completed":
                        completed.append(event)

            watcher = asyncio.create_task(watch())
            await asyncio.sleep(1.0)  # streams settle, AEC3 sees the room
            for _ in range(answers):
                answering = True
                handle = await session.create_response()
                await handle.wait()
                await speaker.drain(timeout=15)
                await asyncio.sleep(0.4)  # the echo tail
                answering = False
                run.answers_played += 1
                if until_self_interrupted and run.self_interrupted:
                    break
                await asyncio.sleep(0.4)
            if barge_in_wav is not None:
                handle = await session.create_response()
                await handle.wait()
                await asyncio.sleep(1.5)  # the answer is playing
                started = time.monotonic()
                user_talking = True
                feeder = va.feed_microphone(barge_in_wav)
                while not run.barge_ins and time.monotonic() - started < 5:
                    await asyncio.sleep(0.02)
                await asyncio.to_thread(feeder.wait, 10)
                await asyncio.sleep(0.5)  # the detector's silence ends the user's turn
                user_talking = False
                # The service answers the user (it may have begun between their last words)
                # on the stream the barge-in cut and restarted: that answer must play out
                # whole, with nobody talking over it.
                answering = True
                await asyncio.sleep(1.0)
                await speaker.drain(timeout=15)
                await asyncio.sleep(0.4)  # the echo tail
                answering = False
                if completed:
                    reply = completed[-1]
                    heard = speaker.played_ms(item_of.get(reply.response_id, ""))
                    run.reply_ms = (reply.generated_audio_ms, heard)
            for task in (stream, watcher, raw_task):
                task.cancel()
            await asyncio.gather(stream, watcher, raw_task, return_exceptions=True)
        run.truncates = [
            r.event
            for r in emu.received
            if isinstance(r, ClientFrame) and isinstance(r.event, ConversationItemTruncate)
        ]
    return run


def _talk_microphone() -> dict[str, Any]:
    """`rt talk`'s microphone settings, at 48 kHz."""
    return {
        "rate": 48000,
        "frame_samples": TALK_AUDIO.frame_ms * 24,
        "latency": STREAM_LATENCY,
        "block_s": STREAM_BLOCK_S,
        "silence_timeout_s": None,
    }


def test_default_aec_never_self_interrupts_yet_the_user_still_can(
    echo_room: VirtualAudio, tmp_path: Path
) -> None:
    user = tmp_path / "user.wav"
    # As loud as the echo (-23 dBFS against -21 dBFS), with a person's spectrum (see
    # `voice_like`: the emulator's two-tone speech would sit in the answer's own bins).
    voice = voice_like("wait stop please", level_dbfs=-23.0)
    write_wav(user, np.concatenate([voice, np.zeros(4800, np.float32)]), 24000)
    run = asyncio.run(asyncio.wait_for(_converse(echo_room, "aec", 5, barge_in_wav=user), 150))
    assert run.answers_played == 5
    assert run.self_interrupted == []
    # The user's voice over the sixth answer interrupted it, truncated at what was heard...
    assert run.barge_ins, "the user's voice did not interrupt the answer"
    cut = run.barge_ins[0]
    assert cut.heard_ms >= 1500
    assert cut.heard_ms < cut.received_ms
    assert [t.audio_end_ms for t in run.truncates if t.item_id == cut.item_id] == [cut.heard_ms]
    # ...and the answer to the user played out whole after the cut (no self-interruption
    # above): a barge-in restarts the output stream, and the echo reference with it.
    assert run.reply_ms is not None, "the user's turn got no answer"
    generated, heard = run.reply_ms
    assert generated > 0 and heard >= generated - 50, run.reply_ms
    # The echo reached the microphone loudly, and what was sent was far below it.
    raw_db, sent_db = _db(run.raw_during_answers), _db(run.sent_during_answers)
    assert raw_db > -35.0, raw_db
    assert raw_db - sent_db >= 25.0, (raw_db, sent_db)


def test_without_echo_cancellation_the_same_path_interrupts_itself(
    echo_room: VirtualAudio,
) -> None:
    run = asyncio.run(
        asyncio.wait_for(_converse(echo_room, "off", 3, until_self_interrupted=True), 60)
    )
    assert len(run.self_interrupted) >= 1
    assert run.self_interrupted[0].heard_ms < 1000  # cut right after it started
