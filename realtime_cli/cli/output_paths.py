"""Checks that the files a command will write can be written, before anything connects."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from realtime_cli.errors import UsageError

__all__ = [
    "check_distinct",
    "check_outputs",
    "check_writable",
    "stopped_writing",
]


def check_writable(flag: str, path: Path) -> None:
    """Raise `UsageError` (one line naming `flag`) unless `path` can be created or overwritten.

    The directory is probed by creating and removing a temporary file in it: permission bits
    say nothing for root, and a read-only filesystem only shows when something is written.
    An existing file is opened for writing without truncating it.
    """
    where = f"{flag} {path}"
    if path.is_dir():
        raise UsageError(f"{where}: is a directory")
    parent = path.parent
    if not parent.exists():
        raise UsageError(f"{where}: the directory {parent} does not exist")
    if not parent.is_dir():
        raise UsageError(f"{where}: {parent} is not a directory")
    try:
        if path.exists():
            with path.open("r+b"):
                pass
        else:
            with tempfile.NamedTemporaryFile(dir=parent, prefix=".rt-probe-"):
                pass
    except OSError as exc:
        raise UsageError(f"{where}: cannot write there ({exc.strerror or exc})") from None


def check_distinct(paths: dict[str, Path | None]) -> None:
    """Refuse two output flags that name the same file (each would overwrite the other)."""
    seen: dict[str, str] = {}
    for flag, path in paths.items():
        if path is None:
            continue
        key = os.path.realpath(path)
        if key in seen:
            raise UsageError(f"{seen[key]} and {flag} name the same file ({path}); give two paths")
        seen[key] = flag


def check_outputs(paths: dict[str, Path | None]) -> None:
    """Every output flag given (`{"--record": path}`) names its own, writable file."""
    check_distinct(paths)
    for flag, path in paths.items():
        if path is not None:
            check_writable(flag, path)


def stopped_writing(path: object, error: OSError) -> str:
    """The one line for an output file that stopped growing (a full disk, say)."""
    return (
        f"stopped writing {path}: {error.strerror or error} (what was written before is "
        "intact and the file is valid)"
    )
