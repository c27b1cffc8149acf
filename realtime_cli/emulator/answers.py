"""Replies that read like answers (live mode): one deterministic template per kind of
request, so the demo and a human trying `rt talk` see a conversation, not an echo.

The emulator knows nothing, so the templates answer what can be answered from the words
alone (greetings, thanks, arithmetic) and otherwise acknowledge the request in kind.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable

from realtime_cli.emulator.tool_arguments import find_numbers, words_of

__all__ = ["answer", "result_in_words", "unheard_audio_answer"]


def _divide(a: float, b: float) -> float | None:
    return a / b if b else None


_OPERATIONS: tuple[tuple[tuple[str, ...], str, Callable[[float, float], float | None]], ...] = (
    (("plus", "add", "sum", "+"), "plus", operator.add),
    (("minus", "subtract", "-"), "minus", operator.sub),
    (("times", "multiply", "multiplied", "*", "x"), "times", operator.mul),
    (("divided", "divide", "over", "/"), "divided by", _divide),
)


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _arithmetic(text: str) -> str | None:
    numbers = find_numbers(text)
    if len(numbers) != 2:
        return None
    tokens = set(words_of(text)) | set(re.findall(r"[+*/x-]", text))
    for names, spoken, operation in _OPERATIONS:
        if tokens & set(names):
            value = operation(numbers[0], numbers[1])
            if value is None:
                return "Dividing by zero has no answer."
            a, b = (_number_text(n) for n in numbers)
            return f"{a} {spoken} {b} is {_number_text(value)}."
    return None


def answer(text: str | None) -> str:
    """A reply to the user's words; `None` when the audio had no transcript."""
    if text is None or not text.strip():
        return "I heard you, but I couldn't make out the words. Could you say that again?"
    words = set(words_of(text))
    said = text.strip().rstrip(".!?")
    if words & {"hello", "hi", "hey", "morning", "evening"} and len(words) <= 5:
        return "Hi there! What can I do for you?"
    if words & {"thanks", "thank", "cheers"}:
        return "You're welcome. Anything else?"
    if words & {"bye", "goodbye"}:
        return "Goodbye, talk to you soon!"
    _, colon, rest = text.partition(":")
    if words & {"summarize", "summarise", "summary"} and colon and rest.strip():
        return f"In short: {rest.strip()}"
    computed = _arithmetic(text)
    if computed is not None:
        return computed
    if text.rstrip().endswith("?") or words & {"what", "who", "where", "when", "why", "how"}:
        topic = said[0].lower() + said[1:] if said else said
        return (
            f"Good question: {topic}. Here is the short answer: I'm the local emulator, so "
            "I can't look it up, but the real service would answer in a sentence or two."
        )
    if words & {"please", "can", "could", "would", "tell", "give", "show", "help"}:
        return "Sure, I can help with that. Here's a short answer, as the service would give."
    return f"I see. You said {said[0].lower() + said[1:] if said else said}. Tell me more."


def unheard_audio_answer(audio_ms: float) -> str:
    """The answer to speech the emulator has no words for (nothing scripted)."""
    return (
        f"Thanks, I heard {audio_ms / 1000:.1f} seconds from you. I'm the local emulator, so "
        "I can't make out the words, but the real model would answer you now."
    )


def result_in_words(name: str, output: str) -> str:
    """A function's result put into a sentence, as a model does after a tool call."""
    what = name.replace("_", " ").strip() or "tool"
    try:
        value = json.loads(output)
    except ValueError:
        value = output
    if isinstance(value, dict):
        facts = ", ".join(f"{key.replace('_', ' ')} {item}" for key, item in value.items())
        return f"Here's what {what} found: {facts}." if facts else f"{what} had nothing to say."
    if isinstance(value, list):
        return f"The {what} results are {', '.join(str(v) for v in value)}."
    if isinstance(value, float) and value == int(value):
        value = int(value)
    return f"The {what} result is {value}."
