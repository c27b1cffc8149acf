"""Keeping the API key out of messages and logs, and messages on one line."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

__all__ = ["REDACTED", "RedactingLogger", "one_line", "scrub"]

REDACTED = "***"

#: Keys shorter than this are not scrubbed: replacing "a" everywhere would wreck every line,
#: and a key that short is no secret worth hiding anyway.
_MIN_SECRET = 8


def scrub(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` replaced by `***`."""
    if secret and len(secret) >= _MIN_SECRET and secret in text:
        return text.replace(secret, REDACTED)
    return text


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace (newlines included) and cut to `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class RedactingLogger(logging.LoggerAdapter[logging.Logger]):
    """A logger adapter that formats each record itself and scrubs the secret from it.

    websockets logs every handshake header at DEBUG level, `Authorization` included; it is
    handed this adapter so that turning on debug logging never prints the key.
    """

    def __init__(self, logger: logging.Logger, secret: str | None) -> None:
        super().__init__(logger, {})
        self._secret = secret

    def __repr__(self) -> str:
        return f"RedactingLogger({self.logger.name!r})"

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        return msg, kwargs

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg)
        if args:
            try:
                text = text % args
            except (TypeError, ValueError):
                text = f"{text} {args!r}"
        # Exception tracebacks are rendered by the handler later; scrub what we can now.
        self.logger.log(level, "%s", scrub(text, self._secret), **kwargs)
