"""The one yes/no question mechanism: questions one at a time in order, answered by y/n
keys; policies and the lack of a terminal answer without asking, and say so."""

from __future__ import annotations

import asyncio

import pytest

from realtime_cli.cli.questions import Questions


def test_questions_wait_in_line_and_keys_answer_the_one_shown() -> None:
    async def main() -> None:
        shown: list[str | None] = []
        told: list[str] = []
        questions = Questions("ask", can_ask=True, show=shown.append, tell=told.append)
        first = asyncio.create_task(questions.ask("run tool a"))
        second = asyncio.create_task(questions.ask("allow MCP b"))
        await asyncio.sleep(0)
        assert shown == ["run tool a"]
        assert questions.key("x") is False  # not an answer: left for other uses
        assert questions.key("Y") is True
        assert await first is True
        assert shown == ["run tool a", "allow MCP b"]
        assert questions.key("n") is True
        assert await second is False
        assert shown[-1] is None
        assert told == ["run tool a -> yes", "allow MCP b -> no"]
        assert questions.key("y") is False  # nothing asked

    asyncio.run(main())


def test_an_abandoned_question_makes_way_for_the_next() -> None:
    async def main() -> None:
        shown: list[str | None] = []
        questions = Questions("ask", can_ask=True, show=shown.append)
        first = asyncio.create_task(questions.ask("slow"))
        second = asyncio.create_task(questions.ask("next"))
        await asyncio.sleep(0)
        first.cancel()  # its tool timed out, or the session ended
        await asyncio.gather(first, return_exceptions=True)
        assert shown[-1] == "next"
        questions.key("y")
        assert await second is True

    asyncio.run(main())


@pytest.mark.parametrize(
    ("policy", "can_ask", "answer", "why"),
    [
        ("always", True, True, "--approve always"),
        ("never", True, False, "--approve never"),
        ("ask", False, False, "no terminal to ask on"),
    ],
)
def test_answers_without_asking(policy: str, can_ask: bool, answer: bool, why: str) -> None:
    told: list[str] = []
    shown: list[str | None] = []
    questions = Questions(policy, can_ask=can_ask, show=shown.append, tell=told.append)  # type: ignore[arg-type]
    assert asyncio.run(questions.ask("run tool a")) is answer
    assert shown == []
    assert told == [f"run tool a -> {'yes' if answer else 'no'} ({why})"]
