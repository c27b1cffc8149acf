"""Function tools from typed Python callables: the JSON Schema is derived with msgspec, the
model's arguments are validated with msgspec, and every failure becomes an output the model
can read instead of an exception.

    class Forecast(msgspec.Struct):
        city: str
        days: int = 1

    @tool(description="Weather forecast for a city.")
    async def forecast(args: Forecast) -> dict[str, object]: ...

    @tool
    def add(a: int, b: int) -> int:
        "Add two integers."
        return a + b

A plain `def` runs in a thread of its own, so a slow one never holds up audio or barge-in;
`timeout` applies to both kinds: past it the call is abandoned (a thread cannot be stopped:
its result is discarded when it ends) and the model is told it timed out.
"""

from __future__ import annotations

import asyncio
import inspect
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, overload

import msgspec

from realtime_cli.protocol import Tool
from realtime_cli.session.daemon_thread import in_daemon_thread

__all__ = ["ToolRegistry", "ToolSpec", "tool"]

DEFAULT_TIMEOUT_S = 30.0
_ENCODER = msgspec.json.Encoder()


@dataclass(frozen=True)
class ToolSpec:
    """A function tool: its name, description, argument type and handler."""

    name: str
    description: str
    handler: Callable[..., Any]
    arg_type: type[msgspec.Struct]
    #: True when the handler takes the argument Struct itself, not its fields.
    takes_struct: bool
    timeout: float = DEFAULT_TIMEOUT_S
    #: Cancel a running call when the user interrupts the response that asked for it.
    cancel_on_interrupt: bool = True

    @property
    def parameters(self) -> dict[str, Any]:
        """The JSON Schema of the arguments object (top level inlined, as the API expects)."""
        schema: dict[str, Any] = msgspec.json.schema(self.arg_type)
        defs: dict[str, Any] = dict(schema.pop("$defs", {}))
        ref = schema.get("$ref", "")
        top = dict(defs.pop(ref.rpartition("/")[2], schema))
        top.pop("title", None)
        if defs:
            top["$defs"] = defs
        return top

    def to_protocol(self) -> Tool:
        """The tool as sent in `session.update` or `response.create`."""
        return Tool.function(self.name, self.description or None, self.parameters)

    async def run(self, arguments: str) -> str:
        """Run the tool on the model's JSON arguments; the output (or the error) as text."""
        try:
            args = msgspec.json.decode(arguments or "{}", type=self.arg_type)
        except msgspec.DecodeError as exc:
            return _error(f"invalid arguments for {self.name}: {exc}")
        deadline = asyncio.timeout(self.timeout)
        try:
            async with deadline:
                result = await self._call(args)
        except TimeoutError as exc:
            if deadline.expired():
                return _error(f"{self.name} timed out after {self.timeout:g} s")
            # The tool's own timeout (a socket's, say): its failure, not rt's limit.
            return _error(f"{self.name} failed: {_describe(exc)}")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return _error(f"{self.name} failed: {_describe(exc)}")
        if isinstance(result, str):
            return result
        try:
            return _ENCODER.encode(result).decode()
        except (TypeError, msgspec.EncodeError) as exc:
            return _error(f"{self.name} returned a value that is not JSON: {exc}")

    async def _call(self, args: msgspec.Struct) -> Any:
        def invoke() -> Any:
            if self.takes_struct:
                return self.handler(args)
            return self.handler(**msgspec.structs.asdict(args))

        if inspect.iscoroutinefunction(self.handler):
            result = invoke()
        else:
            # A plain `def` may block: off the event loop, so audio and barge-in stay live.
            # (An object whose __call__ is async returns its coroutine, awaited below.)
            result = await in_daemon_thread(invoke, f"tool {self.name}")
        return await result if inspect.isawaitable(result) else result


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _error(message: str) -> str:
    return _ENCODER.encode({"error": message}).decode()


def _spec(
    fn: Callable[..., Any],
    name: str | None,
    description: str | None,
    timeout: float,
    cancel_on_interrupt: bool,
) -> ToolSpec:
    hints = typing.get_type_hints(fn, include_extras=True)
    params = [
        p
        for p in inspect.signature(fn).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    tool_name = name or fn.__name__
    only = hints.get(params[0].name) if len(params) == 1 else None
    if isinstance(only, type) and issubclass(only, msgspec.Struct):
        arg_type, takes_struct = only, True
    else:
        fields: list[Any] = []
        for p in params:
            if p.name not in hints:
                raise TypeError(f"tool {tool_name}: parameter {p.name!r} needs a type annotation")
            if p.default is inspect.Parameter.empty:
                fields.append((p.name, hints[p.name]))
            else:
                fields.append((p.name, hints[p.name], p.default))
        arg_type = msgspec.defstruct(f"{tool_name}_arguments", fields, forbid_unknown_fields=True)
        takes_struct = False
    doc = inspect.getdoc(fn) or ""
    return ToolSpec(
        name=tool_name,
        description=description if description is not None else doc.strip(),
        handler=fn,
        arg_type=arg_type,
        takes_struct=takes_struct,
        timeout=timeout,
        cancel_on_interrupt=cancel_on_interrupt,
    )


@overload
def tool(fn: Callable[..., Any], /) -> ToolSpec: ...
@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    cancel_on_interrupt: bool = True,
) -> Callable[[Callable[..., Any]], ToolSpec]: ...
def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    cancel_on_interrupt: bool = True,
) -> ToolSpec | Callable[[Callable[..., Any]], ToolSpec]:
    """Make a `ToolSpec` of a function (sync or async): `@tool` or `@tool(timeout=5)`."""
    if fn is not None:
        return _spec(fn, name, description, timeout, cancel_on_interrupt)
    return lambda f: _spec(f, name, description, timeout, cancel_on_interrupt)


class ToolRegistry:
    """The tools of a session, by name."""

    def __init__(self, tools: Iterable[ToolSpec | Callable[..., Any]] = ()) -> None:
        self._tools: dict[str, ToolSpec] = {}
        for item in tools:
            self.add(item)

    def add(self, item: ToolSpec | Callable[..., Any]) -> ToolSpec:
        """Register a tool (a `ToolSpec`, or a plain typed function)."""
        spec = item if isinstance(item, ToolSpec) else tool(item)
        self._tools[spec.name] = spec
        return spec

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __len__(self) -> int:
        return len(self._tools)

    def get(self, name: str) -> ToolSpec | None:
        """The tool of that name, if registered."""
        return self._tools.get(name)

    def to_protocol(self) -> list[Tool]:
        """Every tool as sent to the API."""
        return [spec.to_protocol() for spec in self._tools.values()]

    async def run(self, name: str, arguments: str) -> str:
        """Run a tool by name; an unknown name is reported to the model, not raised."""
        spec = self._tools.get(name)
        if spec is None:
            return _error(f"unknown tool: {name}")
        return await spec.run(arguments)
