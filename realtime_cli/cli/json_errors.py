"""`--json` output that stays JSON when the command fails (no sound server, no device)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

import typer

from realtime_cli.errors import RtError

__all__ = ["json_on_error"]

P = ParamSpec("P")
R = TypeVar("R")


def json_on_error(
    empty: Mapping[str, Any],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """With `json_output=True`, a failing command still prints one JSON object on stdout:
    `empty` (the report's shape with nothing in it) plus `"error"`; the error's one line and
    exit code follow as usual."""

    def decorate(command: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(command)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return command(*args, **kwargs)
            except RtError as exc:
                if kwargs.get("json_output"):
                    typer.echo(json.dumps({**empty, "error": exc.message}))
                raise

        return run

    return decorate
