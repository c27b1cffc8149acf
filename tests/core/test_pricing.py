"""Cost estimates from usage."""

from __future__ import annotations

import pytest

from realtime_cli.core.pricing import Cost, estimate_cost
from realtime_cli.protocol import (
    CachedTokenDetails,
    InputTokenDetails,
    OutputTokenDetails,
    Usage,
)


def _usage() -> Usage:
    return Usage(
        total_tokens=2_000_000,
        input_tokens=1_000_000,
        output_tokens=1_000_000,
        input_token_details=InputTokenDetails(
            text_tokens=500_000,
            audio_tokens=500_000,
            cached_tokens=200_000,
            cached_tokens_details=CachedTokenDetails(text_tokens=100_000, audio_tokens=100_000),
        ),
        output_token_details=OutputTokenDetails(text_tokens=500_000, audio_tokens=500_000),
    )


def test_gpt_realtime_prices_each_kind_of_token() -> None:
    cost = estimate_cost(_usage(), "gpt-realtime")
    expected = 0.4 * 4 + 0.1 * 0.4 + 0.4 * 32 + 0.1 * 0.4 + 0.5 * 16 + 0.5 * 64
    assert cost.total == pytest.approx(expected)
    assert cost.unheard == 0


def test_mini_is_cheaper_and_unknown_models_price_as_realtime() -> None:
    assert estimate_cost(_usage(), "gpt-realtime-mini").total < estimate_cost(_usage()).total
    assert estimate_cost(_usage(), "some-future-model") == estimate_cost(_usage(), "gpt-realtime")


def test_unheard_audio_is_counted() -> None:
    cost = estimate_cost(_usage(), heard_fraction=0.25)
    assert cost.unheard == pytest.approx(0.5 * 64 * 0.75)
    assert (cost + Cost(1.0, 0.5)).total == pytest.approx(cost.total + 1.0)


def test_totals_without_details_are_priced_as_audio() -> None:
    cost = estimate_cost(Usage(input_tokens=1_000_000, output_tokens=1_000_000))
    assert cost.total == pytest.approx(32 + 64)
