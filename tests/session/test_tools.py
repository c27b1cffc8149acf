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
    loop_ran = threading.Event()

    @tool
    def blocking() -> str:
        seen.append(threading.current_thread().name)
        # Run on the event loop, this would block the ticker below and wait out its 10 s.
        return "done" if loop_ran.wait(timeout=10) else "the loop stood still"

    async def main() -> str:
        async def ticker() -> None:
            for _ in range(15):
                await asyncio.sleep(0.01)
            loop_ran.set()

        task = asyncio.create_task(ticker())
        out = await blocking.run("{}")
        task.cancel()
        return out

    assert asyncio.run(main()) == "done"  # the loop kept running while the tool waited
    assert seen == ["tool blocking"]


def test_a_sync_tool_that_overruns_its_timeout_is_abandoned() -> None:
    finished: list[str] = []
    release = threading.Event()
    ended = threading.Event()

    @tool(timeout=0.1)
    def hangs() -> str:
        release.wait(timeout=10)  # until the test has its answer
        finished.append("late")
        ended.set()
        return "too late"

    async def main() -> tuple[str, float]:
        start = time.monotonic()
        out = await hangs.run("{}")
        elapsed = time.monotonic() - start
        release.set()
        # The thread ends while the loop runs: its result is dropped, nothing raises.
        assert await asyncio.to_thread(ended.wait, 10)
        await asyncio.sleep(0.05)
        return out, elapsed

    out, elapsed = asyncio.run(main())
    assert json.loads(out) == {"error": "hangs timed out after 0.1 s"}
    assert elapsed < 5  # abandoned at its timeout: waiting for it would take 10 s
    assert finished == ["late"]


def test_a_sync_tool_error_is_reported_from_its_thread() -> None:
    assert json.loads(asyncio.run(broken.run('{"x": "y"}')))["error"].endswith("disk on fire")
