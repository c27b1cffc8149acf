"""When and how long to wait before retrying a REST call. Pure: the caller supplies the
random number and the current time."""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["RetryPolicy", "parse_retry_after"]


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asks to wait: `retry-after-ms`, or `retry-after` as seconds or as
    an HTTP date (relative to `now`, Unix seconds). None when absent or unreadable."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter, honouring `Retry-After`.

    Retried: connection errors and timeouts, HTTP 408, 429 and 5xx, unless the server says
    `x-should-retry: false` (and a `true` there retries any status).
    """

    #: Retries after the first attempt (so at most `max_retries + 1` requests).
    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    #: The most a server's `Retry-After` is honoured for; longer asks are cut to this.
    max_retry_after: float = 60.0

    def retryable_status(self, status: int, headers: Mapping[str, str]) -> bool:
        """Whether a response with this status (and headers) is worth retrying."""
        hint = headers.get("x-should-retry", "").lower()
        if hint in ("true", "false"):
            return hint == "true"
        return status in (408, 429) or status >= 500

    def delay(
        self, retry: int, headers: Mapping[str, str] | None, *, rand: float, now: float
    ) -> float:
        """Seconds to wait before retry number `retry` (0 for the first).

        `rand` is uniform in [0, 1); it takes up to a quarter off the backoff so that many
        clients do not retry in lockstep. A `Retry-After` wins over the backoff, capped.
        """
        if headers is not None:
            asked = parse_retry_after(headers, now)
            if asked is not None:
                return min(asked, self.max_retry_after)
        backoff = min(self.initial_delay * 2.0**retry, self.max_delay)
        return backoff * (1.0 - 0.25 * rand)
