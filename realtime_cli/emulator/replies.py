"""What the emulated model answers: a message text or a function call, decided
deterministically from the conversation and the test's `Script`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from realtime_cli.emulator.conversation import user_text
from realtime_cli.emulator.script import Script
from realtime_cli.protocol import (
    UNSET,
    FunctionCallItem,
    FunctionCallOutputItem,
    Item,
    MessageItem,
    Tool,
    ToolChoice,
    ToolChoiceFunction,
)

__all__ = ["GREETING", "FunctionPlan", "MessagePlan", "plan_reply"]

GREETING = "Hello! How can I help you today?"


@dataclass(frozen=True)
class MessagePlan:
    """Answer with this text (spoken or written, per the response's modality)."""

    text: str


@dataclass(frozen=True)
class FunctionPlan:
    """Call the function tool `name` with these JSON arguments."""

    name: str
    arguments: str


def _mentions(text: str, name: str) -> bool:
    lowered = text.lower()
    name = name.lower()
    return name in lowered or name.replace("_", " ") in lowered


def _last_turn(context: Sequence[Item]) -> Item | None:
    for item in reversed(context):
        if isinstance(item, FunctionCallOutputItem):
            return item
        if isinstance(item, MessageItem) and item.role == "user":
            return item
    return None


def _function_name(context: Sequence[Item], call_id: str) -> str | None:
    for item in context:
        if isinstance(item, FunctionCallItem) and item.call_id == call_id:
            return item.name
    return None


def _audio_transcript(item: MessageItem) -> str | None:
    for part in item.content:
        if part.type == "input_audio" and isinstance(part.transcript, str) and part.transcript:
            return part.transcript
    return None


def _choose_tool(key: str | None, tools: Sequence[Tool], choice: ToolChoice | None) -> str | None:
    functions = [
        tool.name
        for tool in tools
        if tool.type in (UNSET, None, "function") and isinstance(tool.name, str)
    ]
    if isinstance(choice, ToolChoiceFunction):
        return choice.name
    if choice == "none" or not functions:
        return None
    if key:
        for name in functions:
            if _mentions(key, name):
                return name
    return functions[0] if choice == "required" else None


def plan_reply(
    context: Sequence[Item],
    *,
    tools: Sequence[Tool],
    tool_choice: ToolChoice | None,
    script: Script,
    audio_ms: Callable[[Item], float],
) -> MessagePlan | FunctionPlan:
    """Decide the response: a tool call when the user names a function tool, the tool's
    result after a `function_call_output`, otherwise a reply to the user's last message
    (`You said: <text or transcript>.`, or the audio's duration when it has no transcript)."""
    last = _last_turn(context)
    if isinstance(last, FunctionCallOutputItem):
        name = _function_name(context, last.call_id) or "tool"
        return MessagePlan(script.reply_for(None) or f"The {name} result is: {last.output}.")
    if not isinstance(last, MessageItem):
        return MessagePlan(script.reply_for(None) or GREETING)
    text = user_text(last)
    key = text if text is not None else _audio_transcript(last)
    tool = _choose_tool(key, tools, tool_choice)
    if tool is not None:
        return FunctionPlan(tool, script.arguments_for(tool, key or ""))
    canned = script.reply_for(key)
    if canned is not None:
        return MessagePlan(canned)
    if key is not None:
        said = key.strip().rstrip(".!?")
        return MessagePlan(f"You said: {said}." if said else GREETING)
    return MessagePlan(f"I heard {audio_ms(last) / 1000:.1f} seconds of audio.")
