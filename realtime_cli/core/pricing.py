"""Estimated cost of responses from their token usage.

Prices are US dollars per million tokens as published for the GA realtime models (2025); they
are an estimate, not a bill. Unknown models are priced as `gpt-realtime`.
"""

from __future__ import annotations

from dataclasses import dataclass

from realtime_cli.protocol import Usage

__all__ = ["PRICES", "Cost", "Prices", "estimate_cost"]


@dataclass(frozen=True, slots=True)
class Prices:
    """Dollars per million tokens."""

    text_in: float
    text_cached: float
    text_out: float
    audio_in: float
    audio_cached: float
    audio_out: float
    image_in: float
    image_cached: float


_REALTIME = Prices(4.0, 0.40, 16.0, 32.0, 0.40, 64.0, 5.0, 0.50)
_MINI = Prices(0.60, 0.06, 2.40, 10.0, 0.30, 20.0, 0.80, 0.08)

#: Known models by name prefix, most specific first.
PRICES: tuple[tuple[str, Prices], ...] = (
    ("gpt-realtime-mini", _MINI),
    ("gpt-4o-mini-realtime", _MINI),
    ("gpt-audio-mini", _MINI),
    ("gpt-realtime", _REALTIME),
    ("gpt-4o-realtime", _REALTIME),
    ("gpt-audio", _REALTIME),
)


@dataclass(frozen=True, slots=True)
class Cost:
    """An estimate in dollars; `unheard` is the part spent on audio the listener never heard."""

    total: float
    unheard: float = 0.0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.total + other.total, self.unheard + other.unheard)


def _prices(model: str) -> Prices:
    for prefix, prices in PRICES:
        if model.startswith(prefix):
            return prices
    return _REALTIME


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def estimate_cost(
    usage: Usage, model: str = "gpt-realtime", *, heard_fraction: float = 1.0
) -> Cost:
    """The estimated cost of one response; `heard_fraction` is the share of its generated
    audio that reached the listener (below 1 after a barge-in)."""
    p = _prices(model)
    inp = usage.input_token_details
    out = usage.output_token_details
    text_in, audio_in, image_in = (
        _int(getattr(inp, n, 0)) for n in ("text_tokens", "audio_tokens", "image_tokens")
    )
    cached = getattr(inp, "cached_tokens_details", None)
    c_text, c_audio, c_image = (
        _int(getattr(cached, n, 0)) for n in ("text_tokens", "audio_tokens", "image_tokens")
    )
    text_out, audio_out = (
        _int(getattr(out, "text_tokens", 0)),
        _int(getattr(out, "audio_tokens", 0)),
    )
    if not (text_in or audio_in or image_in or text_out or audio_out):
        # No details: price the totals as audio, the dominant cost of a voice session.
        audio_in, audio_out = _int(usage.input_tokens), _int(usage.output_tokens)
    dollars = (
        (text_in - c_text) * p.text_in
        + c_text * p.text_cached
        + (audio_in - c_audio) * p.audio_in
        + c_audio * p.audio_cached
        + (image_in - c_image) * p.image_in
        + c_image * p.image_cached
        + text_out * p.text_out
        + audio_out * p.audio_out
    ) / 1e6
    unheard = audio_out * p.audio_out / 1e6 * (1.0 - min(max(heard_fraction, 0.0), 1.0))
    return Cost(dollars, unheard)


def revise_heard(
    cost: Cost,
    usage: Usage,
    model: str,
    *,
    generated_ms: int,
    heard_before_ms: int,
    heard_ms: int,
) -> Cost:
    """`cost` with a finished response's unheard share revised (its audio was cut after it
    finished generating: `heard_before_ms` of `generated_ms` became `heard_ms`)."""
    if generated_ms <= 0:
        return cost
    was = estimate_cost(usage, model, heard_fraction=heard_before_ms / generated_ms).unheard
    now = estimate_cost(usage, model, heard_fraction=heard_ms / generated_ms).unheard
    return Cost(cost.total, cost.unheard + now - was)
