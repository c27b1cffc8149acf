"""Tool calls like a model's: the tool chosen by meaning, schema-valid arguments from the
user's words, parallel calls, the result put into words; checked with jsonschema and driven
by the official openai SDK, the OpenAI Agents SDK and rt's own `@tool`s."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from realtime_cli.emulator import Emulator
from realtime_cli.emulator.realism import Realism
from realtime_cli.emulator.replies import choose_tools
from realtime_cli.emulator.tool_arguments import arguments_for, find_numbers
from realtime_cli.protocol import Tool
from tests.emulator.support import arun

jsonschema = pytest.importorskip("jsonschema")

ADD = {
    "type": "object",
    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
    "required": ["a", "b"],
    "additionalProperties": False,
}
WEATHER = {
    "type": "object",
    "$defs": {"unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    "properties": {
        "city": {"type": "string"},
        "unit": {"$ref": "#/$defs/unit"},
        "days": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 7}, {"type": "null"}]},
    },
    "required": ["city", "unit"],
}
NOTE = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
        "tags": {"type": "array", "items": {"type": "string"}},
        "pinned": {"type": "boolean"},
        "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    },
    "required": ["title", "priority", "ratio"],
}


def function(name: str, description: str, parameters: dict[str, Any]) -> Tool:
    return Tool.function(name=name, description=description, parameters=parameters)


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("please add 2 and 3", [2, 3]),
        ("add two and three", [2, 3]),
        ("what is twenty five plus a hundred and one", [25, 101]),
        ("minus 4 and 7.5", [-4, 7.5]),
        ("no numbers here", []),
    ],
)
def test_numbers_in_digits_and_words(text: str, numbers: list[float]) -> None:
    assert find_numbers(text) == numbers


def test_arguments_are_schema_valid_and_read_from_the_words() -> None:
    args = arguments_for(ADD, "please add 2 and 3")
    assert args == {"a": 2, "b": 3}
    jsonschema.validate(args, ADD)

    weather = arguments_for(WEATHER, "What's the weather in Oslo for 3 days, in fahrenheit?")
    jsonschema.validate(weather, WEATHER)
    assert weather == {"city": "Oslo", "unit": "fahrenheit", "days": 3}
    # Required fields the user did not give still get valid values; optional ones stay out.
    bare = arguments_for(WEATHER, "weather please")
    jsonschema.validate(bare, WEATHER)
    assert set(bare) == {"city", "unit"}

    note = arguments_for(NOTE, 'Make a note called "buy milk" with priority nine, pinned')
    jsonschema.validate(note, NOTE)
    assert note["title"] == "buy milk"
    assert note["priority"] == 5  # nine, clamped to the schema's maximum
    assert note["pinned"] is True


def test_tools_are_chosen_by_meaning_and_in_parallel() -> None:
    tools = [
        function("add", "Add two integers.", ADD),
        function("get_weather", "Current weather for a city.", WEATHER),
        function("get_time", "The current time in a time zone.", {"type": "object"}),
    ]
    assert [t.name for t in choose_tools("please add 2 and 3", tools, None, parallel=True)] == [
        "add"
    ]
    both = choose_tools("weather in Oslo and the time in Tokyo", tools, None, parallel=True)
    assert [t.name for t in both] == ["get_weather", "get_time"]
    one = choose_tools("weather in Oslo and the time in Tokyo", tools, None, parallel=False)
    assert len(one) == 1
    assert choose_tools("tell me a joke", tools, None, parallel=True) == []
    assert choose_tools("tell me a joke", tools, "none", parallel=True) == []
    assert len(choose_tools("tell me a joke", tools, "required", parallel=True)) == 1


def test_arithmetic_in_symbols_and_use_the_tool_call_a_tool() -> None:
    add = function("add", "Add two integers.", ADD)
    weather = function("get_weather", "Current weather for a city.", WEATHER)
    assert [
        t.name for t in choose_tools("What is 2 + 40?", [weather, add], None, parallel=True)
    ] == ["add"]
    # Told to use a tool, a model calls the one that fits best, even with no word for it.
    (chosen,) = choose_tools("Sort it out. Use the tool.", [add], None, parallel=True)
    assert chosen.name == "add"
    assert choose_tools("Sort it out.", [add], None, parallel=True) == []


def test_openai_sdk_gets_schema_valid_parallel_calls_and_a_worded_result() -> None:
    openai = pytest.importorskip("openai")

    async def body() -> None:
        async with Emulator(speed=50.0, realism=Realism.measured(50.0, seed=3)) as emu:
            client = openai.AsyncOpenAI(api_key="sk-test", base_url=emu.base_url)
            async with client.realtime.connect(model="gpt-realtime") as conn:
                tools = [
                    {"type": "function", "name": "get_weather", "description": "Current "
                     "weather for a city.", "parameters": WEATHER},
                    {"type": "function", "name": "add", "description": "Add two integers.",
                     "parameters": ADD},
                ]  # fmt: skip
                await conn.session.update(
                    session={"type": "realtime", "output_modalities": ["text"], "tools": tools}
                )
                await conn.conversation.item.create(
                    item={
                        "type": "message",
                        "role": "user",
                        "content": [
                            {
                                "type": "input_text",
                                "text": "Weather in Paris in celsius, and add 40 and 2",
                            }
                        ],
                    }
                )
                await conn.response.create()
                done: Any = None
                async for event in conn:
                    if event.type == "response.done":
                        done = event
                        break
                calls = [o for o in done.response.output if o.type == "function_call"]
                assert [c.name for c in calls] == ["get_weather", "add"]
                weather, add = (json.loads(c.arguments) for c in calls)
                jsonschema.validate(weather, WEATHER)
                jsonschema.validate(add, ADD)
                assert weather["city"] == "Paris" and weather["unit"] == "celsius"
                assert add == {"a": 40, "b": 2}
                for call, output in zip(calls, ('{"temperature": 21}', "42"), strict=True):
                    await conn.conversation.item.create(
                        item={
                            "type": "function_call_output",
                            "call_id": call.call_id,
                            "output": output,
                        }
                    )
                await conn.response.create()
                text = ""
                async for event in conn:
                    if event.type == "response.output_text.delta":
                        text += event.delta
                    if event.type == "response.done":
                        break
                assert "temperature 21" in text and "42" in text

    arun(body())


def test_agents_sdk_realtime_agent_calls_add_and_finishes_the_turn() -> None:
    agents = pytest.importorskip("agents")
    realtime = pytest.importorskip("agents.realtime")
    seen: list[tuple[int, int]] = []

    @agents.function_tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        seen.append((a, b))
        return a + b

    async def body() -> None:
        async with Emulator(speed=50.0, realism=Realism.measured(50.0)) as emu:
            agent = realtime.RealtimeAgent(name="calc", instructions="Use tools.", tools=[add])
            runner = realtime.RealtimeRunner(agent)
            # The SDK's session.update names its default model: the URL must agree.
            url = f"{emu.ws_url}?model=gpt-realtime-2.1"
            session = await runner.run(model_config={"url": url, "api_key": "sk-test"})
            answer = ""
            async with session:
                await session.send_message("please add 2 and 3")
                async for event in session:
                    if event.type == "raw_model_event":
                        data = getattr(event.data, "data", None)
                        if isinstance(data, dict) and data.get("type") in (
                            "response.output_audio_transcript.delta",
                            "response.output_text.delta",
                        ):
                            answer += data.get("delta", "")
                    if event.type == "error":
                        pytest.fail(f"agents SDK error: {event.error}")
                    if event.type == "agent_end" and seen:
                        break
            assert seen == [(2, 3)]
            assert "5" in answer

    arun(asyncio.wait_for(body(), 20), timeout=25)


def test_rt_tool_gets_arguments_from_the_words() -> None:
    from realtime_cli.session import VoiceSession, tool

    calls: list[tuple[int, int]] = []

    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        calls.append((a, b))
        return a + b

    async def body() -> None:
        async with Emulator(speed=50.0, realism=Realism.measured(50.0)) as emu:
            async with VoiceSession.connect(
                api_key="sk-test",
                base_url=emu.base_url,
                tools=[add],
                output_modality="text",
            ) as session:
                # `ask` returns the text of the response it created, here the call (see
                # the report); the answer in words is the follow-up's transcript.
                await session.ask("What is twelve plus thirty? Use the tool.")
                done = await session.next_transcript()
            assert calls == [(12, 30)]
            assert done is not None and done.role == "assistant" and "42" in done.text

    arun(body())
