"""Audio hot path benchmarks (rt issue 4): CPU per 20 ms frame and added latency per direction.

For each device rate: the capture path (device float32 stereo block -> mono -> 24 kHz int16
frame), the playback path (play() of a 20 ms PCM16 delta + render() of a 20 ms device block),
the codec (encode an `input_audio_buffer.append`, decode a 20 ms `response.output_audio.delta`),
their sum for full duplex against the 50 us target, that sum as % of one core, and the
resampler's added latency per direction against the 5 ms target.

`run()` returns rows {"name", "value", "unit", "note"}. CPU times are the best of several
repeats (benchmarks.timing), since a shared machine only ever adds time. Latencies are
properties of the algorithms (sample counts), not wall-clock measurements.
"""

from __future__ import annotations

import base64
import json

import numpy as np
from numpy.typing import NDArray

from benchmarks.timing import per_call_us
from realtime_cli.audio.capture_chain import CaptureChain
from realtime_cli.audio.playback_buffer import PlaybackBuffer
from realtime_cli.audio.resample import (
    PolyphaseResampler,
    Resampler,
    SoxrResampler,
    make_resampler,
)
from realtime_cli.audio.sample_format import API_RATE
from realtime_cli.protocol import (
    InputAudioBufferAppend,
    ResponseOutputAudioDelta,
    decode_server_event,
    encode_client_event,
)

DEVICE_RATES = (48000, 44100)
FRAME_S = 0.02
API_FRAME = round(API_RATE * FRAME_S)  # 480 samples
DUPLEX_TARGET_US = 50.0
LATENCY_TARGET_MS = 5.0


def _device_block(rate: int) -> int:
    return round(rate * FRAME_S)


def capture_us(rate: int, resampler: Resampler | None = None) -> float:
    """One 20 ms stereo float32 device block through CaptureChain.push (one frame out)."""
    rng = np.random.default_rng(0)
    block = (rng.standard_normal((_device_block(rate), 2)) * 0.1).astype(np.float32)
    chain = CaptureChain(rate, resampler=resampler)
    return per_call_us(lambda: chain.push(block))


def playback_us(rate: int) -> float:
    """play() of a 20 ms PCM16 delta + render() of a 20 ms device block: steady state."""
    pcm = (np.random.default_rng(1).standard_normal(API_FRAME) * 3000).astype(np.int16)
    buffer = PlaybackBuffer(rate, prebuffer_s=0.0)
    for _ in range(10):  # a few frames of backlog, as while a response streams in
        buffer.play(pcm, "item")
    block = _device_block(rate)

    def step() -> None:
        buffer.play(pcm, "item")
        buffer.render(block, 0.02)

    return per_call_us(step)


def codec_us() -> float:
    """Encode the append of one captured frame + decode one 20 ms delta to int16 samples."""
    rng = np.random.default_rng(2)
    frame = rng.integers(-8000, 8000, API_FRAME, dtype=np.int16)
    delta = json.dumps(
        {
            "type": "response.output_audio.delta",
            "event_id": "event_CCXGSizgEppa2d4XbKA7K",
            "response_id": "resp_CCXGRxbY0n6WE4EszhF5w",
            "item_id": "item_CCXGRxbY0n6WE4EszhF5w",
            "output_index": 0,
            "content_index": 0,
            "delta": base64.b64encode(frame.tobytes()).decode(),
        }
    ).encode()

    def step() -> NDArray[np.int16]:
        encode_client_event(InputAudioBufferAppend.from_pcm16(frame.data))  # = memoryview(frame)
        event = decode_server_event(delta)
        # The session dispatches on the event type the same way.
        assert isinstance(event, ResponseOutputAudioDelta)
        return np.frombuffer(event.delta, dtype="<i2")

    assert np.array_equal(step(), frame)
    return per_call_us(step)


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


def _rate_rows(rate: int, codec: float) -> list[dict[str, object]]:
    khz = f"{rate / 1000:g}k"
    capture, playback = capture_us(rate), playback_us(rate)
    total = capture + playback + codec
    rows: list[dict[str, object]] = [
        {
            "name": f"audio.{khz}.capture_cpu_per_frame",
            "value": capture,
            "unit": "us",
            "note": f"{rate} Hz stereo float32 block -> mono -> 24 kHz int16 frame",
        },
        {
            "name": f"audio.{khz}.playback_cpu_per_frame",
            "value": playback,
            "unit": "us",
            "note": f"play() of a 20 ms PCM16 delta + render() of a 20 ms {rate} Hz block",
        },
        {
            "name": f"audio.{khz}.duplex_cpu_per_frame",
            "value": total,
            "unit": "us",
            "note": f"capture + playback + codec; target <= {DUPLEX_TARGET_US:g} us "
            f"({'met' if total <= DUPLEX_TARGET_US else 'MISSED'})",
        },
        {
            "name": f"audio.{khz}.duplex_core_share",
            "value": total / (FRAME_S * 1e6) * 100,
            "unit": "%",
            "note": "of one core for full duplex (duplex us per 20 ms of audio)",
        },
    ]
    for direction, (rin, rout) in (("capture", (rate, API_RATE)), ("playback", (API_RATE, rate))):
        chosen = make_resampler(rin, rout)
        assert isinstance(chosen, PolyphaseResampler)
        mean, peak = added_latency_ms(chosen)
        rows.append(
            {
                "name": f"audio.{khz}.latency_{direction}",
                "value": peak,
                "unit": "ms",
                "note": f"{rin}->{rout} FIR, {chosen.design.up} phase(s) x "
                f"{chosen.design.taps_per_phase} taps: group delay + held-back output, worst "
                f"over 10 ms blocks (mean {mean:.2f}); target <= {LATENCY_TARGET_MS:g} ms",
            }
        )
    return rows


def run() -> list[dict[str, object]]:
    """The benchmark rows."""
    codec = codec_us()
    rows: list[dict[str, object]] = [
        {
            "name": "audio.codec_cpu_per_frame",
            "value": codec,
            "unit": "us",
            "note": "encode input_audio_buffer.append (480 int16) + decode a 20 ms "
            "response.output_audio.delta + np.frombuffer",
        }
    ]
    for rate in DEVICE_RATES:
        rows += _rate_rows(rate, codec)
    # soxr HQ for comparison: cheaper in CPU, but ~21 ms of added latency per direction.
    rows.append(
        {
            "name": "audio.48k.capture_cpu_per_frame_soxr_hq",
            "value": capture_us(48000, SoxrResampler(48000, API_RATE)),
            "unit": "us",
            "note": "the capture path with soxr HQ streaming instead of the FIR",
        }
    )
    mean, peak = added_latency_ms(SoxrResampler(48000, API_RATE))
    rows.append(
        {
            "name": "audio.48k.latency_capture_soxr_hq",
            "value": mean,
            "unit": "ms",
            "note": f"48000->24000 soxr HQ streaming, mean over 10 ms blocks (peak {peak:.1f})",
        }
    )
    return rows


if __name__ == "__main__":  # pragma: no cover - manual use
    for row in run():
        print(f"{row['name']:45s} {row['value']:9.2f} {row['unit']:3s}  {row['note']}")
