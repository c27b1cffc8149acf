"""Tools from typed callables: schema, validation, errors the model can read."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import msgspec

from realtime_cli.session import ToolRegistry, tool


class Forecast(msgspec.Struct):
    city: str
    days: int = 1


@tool(description="Weather forecast for a city.")
async def forecast(args: Forecast) -> dict[str, object]:
    return {"city": args.city, "days": args.days, "sky": "clear"}


@tool
def add(a: int, b: int = 0) -> int:
    """Add two integers."""
    return a + b


@tool(timeout=0.05)
async def slow() -> str:
    await asyncio.sleep(5)
    return "never"


@tool
def broken(x: str) -> str:
    raise RuntimeError("disk on fire")


def test_schema_from_a_struct_and_from_parameters() -> None:
    assert forecast.parameters == {
        "type": "object",
        "properties": {"city": {"type": "string"}, "days": {"type": "integer", "default": 1}},
        "required": ["city"],
    }
    assert add.description == "Add two integers."
    assert add.parameters["required"] == ["a"]
    tool_model = add.to_protocol()
    assert (tool_model.type, tool_model.name) == ("function", "add")


def test_valid_arguments_run_and_encode_results() -> None:
    out = asyncio.run(forecast.run('{"city": "Oslo", "days": 3}'))
    assert json.loads(out) == {"city": "Oslo", "days": 3, "sky": "clear"}
    assert asyncio.run(add.run('{"a": 2, "b": 3}')) == "5"


def test_bad_arguments_become_an_error_output() -> None:
    for arguments in ('{"city": 5}', "{not json", '{"days": 2}'):
        out = json.loads(asyncio.run(forecast.run(arguments)))
        assert out["error"].startswith("invalid arguments for forecast")
    unknown_field = json.loads(asyncio.run(add.run('{"a": 1, "c": 2}')))
    assert "invalid arguments" in unknown_field["error"]


def test_failure_and_timeout_are_reported_not_raised() -> None:
    assert json.loads(asyncio.run(broken.run('{"x": "y"}'))) == {
        "error": "broken failed: RuntimeError: disk on fire"
    }
    assert "timed out" in json.loads(asyncio.run(slow.run("{}")))["error"]


def test_a_tools_own_timeout_is_its_failure_not_rts_limit() -> None:
    @tool(timeout=30)
    async def fetch_price(symbol: str) -> str:
        async with asyncio.timeout(0.01):  # the tool's own network timeout
            await asyncio.sleep(1)
        return "never"

    @tool(timeout=30)
    def fetch_rate(symbol: str) -> str:
        raise TimeoutError("read timed out")  # socket.timeout in a plain def

    assert json.loads(asyncio.run(fetch_price.run('{"symbol": "X"}'))) == {
        "error": "fetch_price failed: TimeoutError"
    }
    assert json.loads(asyncio.run(fetch_rate.run('{"symbol": "X"}'))) == {
        "error": "fetch_rate failed: TimeoutError: read timed out"
    }


def test_registry_reports_unknown_tools() -> None:
    registry = ToolRegistry([add, forecast])
    assert "add" in registry and len(registry) == 2
    assert json.loads(asyncio.run(registry.run("nope", "{}"))) == {"error": "unknown tool: nope"}
    assert [t.name for t in registry.to_protocol()] == ["add", "forecast"]


def test_a_sync_tool_runs_off_the_event_loop() -> None:
    seen: list[str] = []

    @tool
    def blocking(seconds: float) -> str:
        seen.append(threading.current_thread().name)
        time.sleep(seconds)
        return "done"

    async def main() -> tuple[str, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        out = await blocking.run('{"seconds": 0.3}')
        task.cancel()
        return out, ticks

    out, ticks = asyncio.run(main())
    assert out == "done"
    assert seen == ["tool blocking"]
    assert ticks >= 15  # the loop kept running while the tool slept


def test_a_sync_tool_that_overruns_its_timeout_is_abandoned() -> None:
    finished: list[str] = []

    @tool(timeout=0.1)
    def hangs() -> str:
        time.sleep(0.5)
        finished.append("late")
        return "too late"

    async def main() -> tuple[str, float]:
        start = time.monotonic()
        out = await hangs.run("{}")
        elapsed = time.monotonic() - start
        await asyncio.sleep(0.6)  # the thread ends; its result is dropped, nothing raises
        return out, elapsed

    out, elapsed = asyncio.run(main())
    assert json.loads(out) == {"error": "hangs timed out after 0.1 s"}
    assert elapsed < 0.3
    assert finished == ["late"]


def test_a_sync_tool_error_is_reported_from_its_thread() -> None:
    assert json.loads(asyncio.run(broken.run('{"x": "y"}')))["error"].endswith("disk on fire")
