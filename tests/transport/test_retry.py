from __future__ import annotations

import pytest

from realtime_cli.transport.retry import RetryPolicy, parse_retry_after

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z


def test_parse_retry_after() -> None:
    assert parse_retry_after({"retry-after": "3"}, NOW) == 3.0
    assert parse_retry_after({"retry-after": "1.5"}, NOW) == 1.5
    assert parse_retry_after({"retry-after-ms": "250"}, NOW) == 0.25
    assert parse_retry_after({"retry-after": "Tue, 14 Nov 2023 22:13:27 GMT"}, NOW) == 7.0
    assert parse_retry_after({"retry-after": "Tue, 14 Nov 2023 22:00:00 GMT"}, NOW) == 0.0
    assert parse_retry_after({"retry-after": "-4"}, NOW) == 0.0
    assert parse_retry_after({"retry-after": "soon"}, NOW) is None
    assert parse_retry_after({}, NOW) is None


def test_backoff_grows_is_capped_and_jittered() -> None:
    policy = RetryPolicy(initial_delay=0.5, max_delay=3.0)
    assert [policy.delay(n, None, rand=0.0, now=NOW) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.delay(0, None, rand=0.999, now=NOW) == pytest.approx(0.5 * 0.75, rel=1e-3)


def test_retry_after_wins_and_is_capped() -> None:
    policy = RetryPolicy(max_retry_after=10.0)
    assert policy.delay(0, {"retry-after": "4"}, rand=0.5, now=NOW) == 4.0
    assert policy.delay(0, {"retry-after": "600"}, rand=0.5, now=NOW) == 10.0


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (429, {}, True),
        (500, {}, True),
        (503, {}, True),
        (408, {}, True),
        (400, {}, False),
        (401, {}, False),
        (404, {}, False),
        (503, {"x-should-retry": "false"}, False),
        (409, {"x-should-retry": "true"}, True),
    ],
)
def test_retryable_status(status: int, headers: dict[str, str], expected: bool) -> None:
    assert RetryPolicy().retryable_status(status, headers) is expected
