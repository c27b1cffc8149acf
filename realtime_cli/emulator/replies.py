"""What the emulated model answers: message texts and function calls, decided from the
conversation, the tools and the test's `Script`.

A tool is chosen by meaning, like a model does: the words of its name and description
against the user's words, so "please add 2 and 3" calls `add`, and "what's the weather in
Oslo and the time in Tokyo" calls `get_weather` and `get_time` in parallel. Its arguments
come from the user's words, shaped by the tool's schema (`tool_arguments`). In live mode a
call is sometimes preceded by a short spoken preamble, replies follow templates by kind of
request (`answers`), and a function's result is put into words afterwards.

Exact mode keeps the fixed texts the tests assert on: `You said: <text>.`, `The <name>
result is: <output>.`, the audio's duration when there is no transcript.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from realtime_cli.emulator.answers import answer, result_in_words, unheard_audio_answer
from realtime_cli.emulator.conversation import user_text
from realtime_cli.emulator.mcp_replies import (
    McpApprovalPlan,
    McpCallPlan,
    answer_to_approval,
    mcp_function_tools,
    needs_approval,
    plan_mcp_call,
)
from realtime_cli.emulator.script import Script
from realtime_cli.emulator.tool_arguments import arguments_for, words_of
from realtime_cli.protocol import (
    UNSET,
    FunctionCallItem,
    FunctionCallOutputItem,
    Item,
    McpApprovalResponseItem,
    MessageItem,
    Tool,
    ToolChoice,
    ToolChoiceFunction,
)

__all__ = ["GREETING", "FunctionPlan", "MessagePlan", "Plan", "choose_tools", "plan_reply"]

GREETING = "Hello! How can I help you today?"
PREAMBLES = ("Let me check that.", "One moment.", "Sure, let me look.")
#: Words too common to tell tools apart.
_COMMON = {
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "get", "set", "me",
    "is", "it", "this", "that", "by", "from", "as", "be", "are", "tool", "function", "use",
    "returns", "return", "given", "value", "please", "what", "can", "you",
}  # fmt: skip
#: A few verbs users say for what tool names call otherwise.
_SYNONYMS = {
    "add": {"plus", "sum", "total"},
    "sum": {"plus", "add", "total"},
    "subtract": {"minus"},
    "multiply": {"times", "product"},
    "divide": {"divided", "over"},
    "weather": {"temperature", "forecast", "rain", "sunny", "cold", "warm"},
    "time": {"clock", "hour"},
    "search": {"find", "look"},
}


#: Arithmetic written with symbols ("2 + 40") reads as the words a tool's name may use.
_SYMBOLS_AS_WORDS = str.maketrans(
    {"+": " plus ", "*": " times ", "\u00d7": " times ", "\u00f7": " over "}
)


@dataclass(frozen=True)
class MessagePlan:
    """Answer with this text (spoken or written, per the response's modality)."""

    text: str


@dataclass(frozen=True)
class FunctionPlan:
    """Call the function tool `name` with these JSON arguments."""

    name: str
    arguments: str


def _last_turn(context: Sequence[Item]) -> Item | None:
    for item in reversed(context):
        if isinstance(item, FunctionCallOutputItem | McpApprovalResponseItem):
            return item
        if isinstance(item, MessageItem) and item.role == "user":
            return item
    return None


def _outputs_since_user(context: Sequence[Item]) -> list[FunctionCallOutputItem]:
    outputs: list[FunctionCallOutputItem] = []
    for item in reversed(context):
        if isinstance(item, MessageItem) and item.role == "user":
            break
        if isinstance(item, FunctionCallOutputItem):
            outputs.append(item)
    return outputs[::-1]


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


def _function_tools(tools: Sequence[Tool]) -> list[Tool]:
    return [
        tool
        for tool in tools
        if tool.type in (UNSET, None, "function") and isinstance(tool.name, str) and tool.name
    ]


def _name_words(name: str) -> set[str]:
    spaced = "".join(f" {c}" if c.isupper() else c for c in name).replace("_", " ")
    return set(words_of(spaced.replace("-", " "))) - _COMMON


def _score(tool: Tool, said: list[str], lowered: str) -> tuple[int, int]:
    """How well a tool fits the user's words, and where in the text it was asked for."""
    name = tool.name if isinstance(tool.name, str) else ""
    if name.lower() in lowered or name.lower().replace("_", " ") in lowered:
        return 10, lowered.find(name.lower().replace("_", " ").split()[0])
    said_set = set(said)
    name_words = _name_words(name)
    for word in list(name_words):
        name_words |= _SYNONYMS.get(word, set())
    description = tool.description if isinstance(tool.description, str) else ""
    described = set(words_of(description)) - _COMMON
    hits = name_words & said_set
    score = 3 * len(hits) + len((described - name_words) & said_set)
    positions = [said.index(w) for w in hits | (described & said_set)]
    return score, min(positions) if positions else len(said)


def choose_tools(
    text: str | None,
    tools: Sequence[Tool],
    choice: ToolChoice | None,
    *,
    parallel: bool,
) -> list[Tool]:
    """The function tools a model would call for this request, in the order asked."""
    functions = _function_tools(tools)
    if isinstance(choice, ToolChoiceFunction):
        return [tool for tool in functions if tool.name == choice.name][:1]
    if choice == "none" or not functions:
        return []
    spoken = (text or "").translate(_SYMBOLS_AS_WORDS)
    said = words_of(spoken)
    lowered = spoken.lower()
    scored = [(*_score(tool, said, lowered), index) for index, tool in enumerate(functions)]
    fitting = sorted(
        ((position, index) for score, position, index in scored if score >= 3),
    )
    chosen = [functions[index] for _, index in fitting]
    # "Use the tool": a model calls the tool that fits best even when no word names it.
    asked_for_a_tool = "tool" in said or "tools" in said
    if not chosen and (choice == "required" or asked_for_a_tool):
        best = max(scored, key=lambda entry: (entry[0], -entry[2]))
        chosen = [functions[best[2]]]
    if not parallel or not any(w in said for w in ("and", "also", "then")):
        chosen = chosen[:1] if len(chosen) <= 1 else [_best(chosen, scored, functions)]
    return chosen


def _best(chosen: list[Tool], scored: list[tuple[int, int, int]], functions: list[Tool]) -> Tool:
    best = max(
        (entry for entry in scored if functions[entry[2]] in chosen),
        key=lambda entry: (entry[0], -entry[1]),
    )
    return functions[best[2]]


def _arguments(tool: Tool, script: Script, key: str) -> str:
    name = tool.name if isinstance(tool.name, str) else ""
    if script.has_arguments(name):
        return script.arguments_for(name, key)
    parameters: Any = tool.parameters if isinstance(tool.parameters, dict) else None
    return json.dumps(arguments_for(parameters, key))


#: One step of a response.
Plan = MessagePlan | FunctionPlan | McpCallPlan | McpApprovalPlan


def _calls(chosen: list[Tool], tools: Sequence[Tool], script: Script, key: str) -> list[Plan]:
    """Function calls, and MCP calls (with their result in words) or an approval request,
    which ends the response."""
    calls: list[Plan] = []
    for tool in chosen:
        name = str(tool.name)
        if not isinstance(tool.server_label, str):
            calls.append(FunctionPlan(name, _arguments(tool, script, key)))
            continue
        label = tool.server_label
        arguments = _arguments(tool, script, key)
        if needs_approval(tools, label, name):
            calls.append(McpApprovalPlan(label, name, arguments))
            break
        call = plan_mcp_call(label, name, arguments)
        calls += [call, MessagePlan(call.in_words)]
    return calls


def plan_reply(
    context: Sequence[Item],
    *,
    tools: Sequence[Tool],
    tool_choice: ToolChoice | None,
    script: Script,
    audio_ms: Callable[[Item], float],
    heard_words: Callable[[str], str | None] = lambda item: None,
    live: bool = False,
    parallel: bool = True,
    rng: random.Random | None = None,
) -> list[Plan]:
    """Decide the response's output items: function calls (maybe after a preamble), the
    tools' results in words after `function_call_output`s, MCP calls or approval requests
    (and what an approval answer leads to), or a reply to the user."""
    last = _last_turn(context)
    if isinstance(last, McpApprovalResponseItem):
        allowed = answer_to_approval(context, last)
        if isinstance(allowed, str):
            return [MessagePlan(allowed)]
        return [allowed, MessagePlan(allowed.in_words)]
    if isinstance(last, FunctionCallOutputItem):
        canned = script.reply_for(None)
        if canned is not None:
            return [MessagePlan(canned)]
        if not live:
            name = _function_name(context, last.call_id) or "tool"
            return [MessagePlan(f"The {name} result is: {last.output}.")]
        sentences = [
            result_in_words(_function_name(context, out.call_id) or "tool", out.output)
            for out in _outputs_since_user(context)
        ]
        return [MessagePlan(" ".join(sentences))]
    if not isinstance(last, MessageItem):
        return [MessagePlan(script.reply_for(None) or GREETING)]
    text = user_text(last)
    key = text if text is not None else _audio_transcript(last)
    if key is None and live:
        # The model hears the audio itself; its transcript, if any, comes later.
        key = heard_words(last.id) if isinstance(last.id, str) else None
    listed = mcp_function_tools(context, tools)
    chosen = choose_tools(key, [*tools, *listed.values()], tool_choice, parallel=parallel)
    if chosen:
        calls = _calls(chosen, tools, script, key or "")
        if live and rng is not None and rng.random() < 0.5:
            calls.insert(0, MessagePlan(rng.choice(PREAMBLES)))
        return calls
    canned = script.reply_for(key)
    if canned is not None:
        return [MessagePlan(canned)]
    if live:
        if key is None:
            return [MessagePlan(unheard_audio_answer(audio_ms(last)))]
        return [MessagePlan(answer(key))]
    if key is not None:
        said = key.strip().rstrip(".!?")
        return [MessagePlan(f"You said: {said}." if said else GREETING)]
    return [MessagePlan(f"I heard {audio_ms(last) / 1000:.1f} seconds of audio.")]
