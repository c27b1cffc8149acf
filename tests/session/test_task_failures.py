"""A task the voice session spawns never fails unseen: its exception ends the session and
is raised to the reader of `events()`."""

from __future__ import annotations

import asyncio

import pytest

from realtime_cli.emulator import Emulator
from realtime_cli.session import AudioDelta, VoiceSession
from realtime_cli.session.supervised_tasks import SupervisedTasks
from tests.emulator.support import arun
from tests.session.test_voice_session import KEY, FakeSpeaker


class BrokenSpeaker(FakeSpeaker):
    """Its position report fails, as a buggy device adapter would."""

    def played_ms(self, item_id: str) -> int:
        raise RuntimeError("the speaker's position is unreadable")


def test_a_failing_ticker_ends_the_session_with_its_error() -> None:
    async def main() -> None:
        async with (
            Emulator(speed=20) as emu,
            VoiceSession.connect(
                api_key=KEY, base_url=emu.base_url, vad="none", speaker=BrokenSpeaker()
            ) as session,
        ):
            await session.say("Hello there.")
            audio = 0
            with pytest.raises(RuntimeError, match="position is unreadable"):
                async for event in session.events():
                    audio += isinstance(event, AudioDelta)
            assert audio > 0
            assert isinstance(session.failure, RuntimeError)

    arun(main(), timeout=20)


def test_supervised_tasks_report_failures_but_not_cancellation() -> None:
    async def main() -> None:
        failures: list[BaseException] = []
        tasks = SupervisedTasks(failures.append)

        async def boom() -> None:
            raise ValueError("boom")

        async def forever() -> None:
            await asyncio.sleep(3600)

        tasks.spawn(boom(), "boom")
        tasks.spawn(forever(), "forever")
        await asyncio.sleep(0.01)
        assert [str(f) for f in failures] == ["boom"]
        assert len(tasks) == 1
        await tasks.cancel_all()
        assert len(failures) == 1 and len(tasks) == 0

    arun(main(), timeout=5)
