"""Tool arguments meet `pattern`, `minLength`/`maxLength` and `minItems`/`maxItems`, checked
with jsonschema; a patterned string takes the user's matching word where there is one, and
the tool call goes over the websocket with those arguments."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from realtime_cli.emulator import Emulator
from realtime_cli.emulator.pattern_sample import sample
from realtime_cli.emulator.tool_arguments import arguments_for
from realtime_cli.protocol import FunctionCallItem, Tool
from tests.emulator.support import arun, connect

jsonschema = pytest.importorskip("jsonschema")

CODE = {"type": "string", "pattern": "^[A-Z]{3}$"}
CONVERT = {
    "type": "object",
    "properties": {"amount": {"type": "number"}, "source": CODE, "target": CODE},
    "required": ["amount", "source", "target"],
}


def _one(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"s": schema}, "required": ["s"]}


@pytest.mark.parametrize(
    ("schema", "text"),
    [
        (CODE, "convert euros"),  # the review's example: "convert euros" failed
        (CODE, "what is this"),  # nothing of the user's fits: built from the regex
        ({"type": "string", "pattern": r"^\d{3}-\d{4}$"}, "call the office"),
        ({"type": "string", "pattern": r"^[a-z0-9._-]+@[a-z0-9-]+\.[a-z]{2,}$"}, "mail bob"),
        ({"type": "string", "pattern": "^(GET|POST|DELETE)$"}, "fetch the page"),
        ({"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"}, "paint it red"),
        ({"type": "string", "pattern": r"v\d+\.\d+"}, "which release"),  # unanchored
        ({"type": "string", "pattern": "^[a-z]+$", "minLength": 12}, "go"),
        ({"type": "string", "pattern": "^[A-Z][a-z]+(?: [A-Z][a-z]+)*$"}, "book a table"),
        ({"type": "array", "items": {"type": "integer"}, "minItems": 2}, "add 4"),
        ({"type": "array", "items": {"type": "integer"}, "minItems": 3}, "sum"),
        ({"type": "array", "items": {"type": "integer"}, "maxItems": 2}, "add 1, 2 and 3"),
        ({"type": "array", "items": CODE, "minItems": 2}, "rates for USD"),
        (
            {"type": "array", "items": {"type": "string", "minLength": 2}, "minItems": 1},
            'tag it "x"',
        ),
    ],
)
def test_arguments_validate_against_their_schema(schema: dict[str, Any], text: str) -> None:
    args = arguments_for(_one(schema), text)
    jsonschema.validate(args, _one(schema))


def test_a_patterned_string_takes_the_users_matching_word() -> None:
    said = arguments_for(CONVERT, "convert 100 USD to EUR")
    assert said == {"amount": 100, "source": "USD", "target": "EUR"}
    # Not said as codes: the start of a word, one word per property.
    worded = arguments_for(CONVERT, "convert euros to dollars")
    jsonschema.validate(worded, CONVERT)
    assert worded["target"] == "EUR" and worded["source"] != worded["target"]


def test_said_items_are_kept_and_only_the_missing_ones_added() -> None:
    schema = _one({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 3})
    assert arguments_for(schema, "add 4")["s"][0] == 4
    assert len(arguments_for(schema, "add 4")["s"]) == 2
    assert arguments_for(schema, "add 1 2 3 4 5")["s"] == [1, 2, 3]


@pytest.mark.parametrize(
    "pattern",
    [
        "^[A-Z]{3}$",
        r"^\d{5}(-\d{4})?$",
        r"^[^,]+,[^,]+$",
        r"^\w+\s\w+$",
        r"^[A-Za-z_][A-Za-z0-9_]*$",
        r"^\$\d+(\.\d{2})?$",
        r"^(?:yes|no)$",
        r"^[+-]?\d+$",
        r"^https?://[a-z]+\.[a-z]{2,3}(/[a-z]*)*$",
    ],
)
def test_sampled_strings_match_their_pattern(pattern: str) -> None:
    text = sample(pattern)
    assert text is not None and re.search(pattern, text)
    longer = sample(pattern, min_length=8, max_length=40)
    assert longer is None or (8 <= len(longer) <= 40 and re.search(pattern, longer))


@pytest.mark.parametrize("pattern", [r"(?=a)b", r"(a)\1", r"\bword", "[a-"])
def test_patterns_beyond_the_sampler_give_none(pattern: str) -> None:
    assert sample(pattern) is None


def test_a_tool_with_patterns_is_called_over_the_websocket_with_valid_arguments() -> None:
    async def body() -> None:
        async with Emulator() as emu, connect(emu) as client:
            convert = Tool.function(
                name="convert_currency",
                description="Convert an amount of money from one currency to another.",
                parameters=CONVERT,
            )
            await client.send(
                {
                    "type": "session.update",
                    "session": {
                        "type": "realtime",
                        "output_modalities": ["text"],
                        "tools": [convert.to_dict()],
                    },
                }
            )
            await client.expect("session.updated")
            await client.send(
                {
                    "type": "conversation.item.create",
                    "item": {
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": "Convert 20 euros to dollars."}],
                    },
                }
            )
            await client.send({"type": "response.create"})
            done = (await client.recv_until("response.done"))[-1]
            (call,) = [o for o in done.response.output if isinstance(o, FunctionCallItem)]
            assert call.name == "convert_currency"
            arguments = json.loads(call.arguments)
            jsonschema.validate(arguments, CONVERT)
            assert arguments["amount"] == 20

    arun(body())
