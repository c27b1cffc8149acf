"""Audio pipeline benchmarks: CPU per 20 ms frame and resampler added latency.

`run()` returns rows {"name", "value", "unit", "note"}. Latencies are properties of the
algorithms (sample counts), not wall-clock measurements; CPU times are medians.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from realtime_cli.audio.capture_chain import CaptureChain
from realtime_cli.audio.playback_buffer import PlaybackBuffer
from realtime_cli.audio.resample import (
    PolyphaseResampler,
    Resampler,
    SoxrResampler,
    make_resampler,
)

DEVICE_RATE = 48000
FRAME = 960  # 20 ms at 48 kHz


def _median_us(step: Callable[[], object], repeats: int = 400) -> float:
    for _ in range(20):
        step()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        step()
        samples.append(time.perf_counter() - t0)
    return float(np.median(samples) * 1e6)


def _capture_cpu(resampler: Resampler | None) -> float:
    rng = np.random.default_rng(0)
    block = (rng.standard_normal((FRAME, 2)) * 0.1).astype(np.float32)
    chain = CaptureChain(DEVICE_RATE, resampler=resampler)
    return _median_us(lambda: chain.push(block))


def _playback_cpu() -> float:
    pcm = (np.random.default_rng(1).standard_normal(480) * 3000).astype(np.int16)
    buffer = PlaybackBuffer(DEVICE_RATE, prebuffer_s=0.0)
    for _ in range(10):
        buffer.play(pcm, "item")

    def step() -> None:
        buffer.play(pcm, "item")  # one 20 ms delta in ...
        buffer.render(FRAME, 0.02)  # ... one 20 ms device block out

    return _median_us(step)


def added_latency_ms(resampler: Resampler, block_s: float = 0.01) -> tuple[float, float]:
    """(mean, max) of group delay + held-back output, over 2 s of 10 ms blocks."""
    rate_in, rate_out = resampler.in_rate, resampler.out_rate
    x = np.zeros(rate_in * 2, dtype=np.float32)
    at = rate_in
    x[at] = 1.0
    block = round(block_s * rate_in)
    fed = emitted = 0
    holdback: list[float] = []
    parts = []
    for i in range(0, x.size, block):
        y = resampler.process(x[i : i + block])
        parts.append(y)
        fed += min(block, x.size - i)
        emitted += y.size
        if fed > rate_in // 2:
            holdback.append(fed / rate_in - emitted / rate_out)
    out = np.concatenate(parts)
    delay = int(np.argmax(np.abs(out))) / rate_out - at / rate_in
    return (delay + float(np.mean(holdback))) * 1000, (delay + max(holdback)) * 1000


def run() -> list[dict[str, object]]:
    """The benchmark rows."""
    rows: list[dict[str, object]] = [
        {
            "name": "audio.capture_cpu_per_frame",
            "value": _capture_cpu(None),
            "unit": "us",
            "note": "48 kHz stereo float32 block -> mono -> 24 kHz int16 frame (polyphase FIR)",
        },
        {
            "name": "audio.capture_cpu_per_frame_soxr_hq",
            "value": _capture_cpu(SoxrResampler(DEVICE_RATE, 24000)),
            "unit": "us",
            "note": "same path with soxr HQ streaming, for comparison",
        },
        {
            "name": "audio.playback_cpu_per_frame",
            "value": _playback_cpu(),
            "unit": "us",
            "note": "play() of a 20 ms PCM16 chunk + render() of a 20 ms 48 kHz block",
        },
    ]
    for direction, (rin, rout) in (
        ("capture", (DEVICE_RATE, 24000)),
        ("playback", (24000, DEVICE_RATE)),
    ):
        chosen = make_resampler(rin, rout)
        assert isinstance(chosen, PolyphaseResampler)
        mean, peak = added_latency_ms(chosen)
        rows.append(
            {
                "name": f"audio.resampler_latency_{direction}",
                "value": peak,
                "unit": "ms",
                "note": f"{rin}->{rout} polyphase FIR, {chosen.design.taps} taps "
                f"(group delay + held-back output, worst over 10 ms blocks; mean {mean:.2f})",
            }
        )
        mean, peak = added_latency_ms(SoxrResampler(rin, rout))
        rows.append(
            {
                "name": f"audio.resampler_latency_{direction}_soxr_hq",
                "value": mean,
                "unit": "ms",
                "note": f"{rin}->{rout} soxr HQ streaming, mean over 10 ms blocks "
                f"(peak {peak:.1f})",
            }
        )
    return rows


if __name__ == "__main__":  # pragma: no cover - manual use
    for row in run():
        print(f"{row['name']:45s} {row['value']:9.2f} {row['unit']:3s}  {row['note']}")
