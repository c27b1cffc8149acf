"""The one exception family every layer raises for a user-facing failure."""

from __future__ import annotations


class RtError(Exception):
    """A failure with a clear one-line message and the exit code the CLI should use.

    Exit codes: 1 API or network error, 2 usage or configuration error.
    """

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        """The one-line message shown to the user."""
        return str(self.args[0]) if self.args else type(self).__name__


class UsageError(RtError):
    """A mistake in the command line or configuration (exit code 2)."""

    exit_code = 2
