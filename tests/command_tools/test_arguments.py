"""The pure parts of command tools: the schema and validation from declared parameters, and
argv substitution."""

from __future__ import annotations

import msgspec
import pytest

from realtime_cli.command_tools.arguments import (
    PlaceholderError,
    argument_type,
    check_placeholders,
    substitute,
)
from realtime_cli.config.settings import ToolParameter
from realtime_cli.session import ToolSpec

PARAMS = {
    "city": ToolParameter(description="City name"),
    "days": ToolParameter(type="integer", required=False),
    "unit": ToolParameter(enum=("celsius", "fahrenheit"), required=False),
    "alerts": ToolParameter(type="boolean", required=False),
}


def _spec() -> ToolSpec:
    async def handler(args: msgspec.Struct) -> str:
        return "ran"

    return ToolSpec("weather", "", handler, argument_type("weather", PARAMS), takes_struct=True)


def test_schema_has_types_descriptions_enums_and_required() -> None:
    schema = _spec().parameters
    assert schema["required"] == ["city"]
    assert schema["additionalProperties"] is False
    props = schema["properties"]
    assert props["city"] == {"type": "string", "description": "City name"}
    assert {"type": "integer"} in props["days"]["anyOf"]
    assert {"enum": ["celsius", "fahrenheit"]} in props["unit"]["anyOf"]


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ('{"days": 2}', "missing required field `city`"),
        ('{"city": 3}', "Expected `str`, got `int`"),
        ('{"city": "x", "unit": "kelvin"}', "invalid enum value 'kelvin'"),
        ('{"city": "x", "rm": "-rf"}', "unknown field `rm`"),
        ("not json", "malformed"),
    ],
)
def test_invalid_arguments_never_reach_the_handler(arguments: str, problem: str) -> None:
    import asyncio

    output = asyncio.run(_spec().run(arguments))
    error = msgspec.json.decode(output)["error"]
    assert error.startswith("invalid arguments for weather")
    assert problem.lower() in error.lower()


def test_values_stay_inside_their_argv_element() -> None:
    command = ["tool", "--city={city}", "{city}", "--days={days}", "{{literal}}"]
    nasty = "x; rm -rf / && $(id)"
    assert substitute(command, {"city": nasty, "days": 3}) == [
        "tool",
        f"--city={nasty}",
        nasty,
        "--days=3",
        "{literal}",
    ]


def test_an_element_of_an_absent_optional_argument_is_dropped() -> None:
    assert substitute(["t", "--days={days}", "{city}"], {"city": "Oslo"}) == ["t", "Oslo"]
    assert substitute(["t", "{flag}"], {"flag": True}) == ["t", "true"]


def test_an_undeclared_placeholder_is_refused() -> None:
    check_placeholders(["t", "{city}"], PARAMS)
    with pytest.raises(PlaceholderError, match=r"\{town\}"):
        check_placeholders(["t", "{town}"], PARAMS)
