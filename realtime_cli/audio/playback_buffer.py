"""The playback core: jitter buffer, per-item played accounting, flush with fade (no I/O).

`PlaybackBuffer.render(n_frames, output_latency)` is exactly what the PortAudio output
callback calls; the WAV speaker calls it too, so both account and flush identically.

Positions are counted in 24 kHz samples on one timeline: the stream fed to the resampler,
silence included. For every item the buffer knows which stretches of that timeline it
occupied. A stretch was *emitted* once the resampler released it to the device, and *heard*
once the device played it: `heard = emitted before this block - output latency`, where the
output latency is PortAudio's `outputBufferDacTime - currentTime` for the block.

A device that can drop what it holds (an aborted stream) is cut with `cut(now)` instead of
`flush()`: what the device had been given but not yet played at `now` is taken off the
items' accounts, using the DAC time of the last rendered block, so the report stays exact.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from realtime_cli.audio.jitter_target import JitterTarget
from realtime_cli.audio.resample import Resampler, make_resampler
from realtime_cli.audio.ring_buffer import SampleSink
from realtime_cli.audio.sample_format import API_RATE, pcm16_from_bytes_or_array, pcm16_to_float

FloatArray = NDArray[np.float32]

#: The user's floor for the start target (`audio.prebuffer_ms`); the target itself adapts.
DEFAULT_PREBUFFER_S = 0.0
DEFAULT_MAX_PREBUFFER_S = 0.4
DEFAULT_FADE_S = 0.004
_MAX_TRACKED_ITEMS = 256


@dataclass
class ItemPlayback:
    """What happened to one item's audio, in 24 kHz samples."""

    item_id: str
    content_index: int = 0
    received: int = 0
    consumed: int = 0  # fed to the resampler, so emitted or about to be
    dropped: int = 0  # discarded by flush
    heard: int = 0  # folded part of the heard count (see PlaybackBuffer._played)
    done: bool = False
    flushed: bool = False  # later audio for a flushed item is ignored


class _Chunk:
    __slots__ = ("item", "offset", "samples")

    def __init__(self, item: ItemPlayback, samples: FloatArray) -> None:
        self.item = item
        self.samples = samples
        self.offset = 0

    @property
    def remaining(self) -> int:
        return self.samples.size - self.offset


class PlaybackBuffer:
    """Adaptive jitter buffer feeding a device at `device_rate` from 24 kHz PCM16 chunks.

    - Playback of an utterance (one item's audio) starts by the adaptive rule of
      `JitterTarget` (at once when audio arrives faster than real time; `prebuffer_s` is the
      floor of its target, `max_prebuffer_s` the ceiling). A gap in the middle of an item
      plays silence and counts an underrun when more of the same item arrives; playback
      then resumes after a short cushion, and later utterances start with more queued.
    - `flush()` keeps only a `fade_s` fade-out of what comes next, so the following
      `render()` silences the output with no click, and returns the final per-item count.
    - `render()` never blocks for longer than the other side's short critical sections.
    """

    def __init__(
        self,
        device_rate: int = API_RATE,
        *,
        prebuffer_s: float = DEFAULT_PREBUFFER_S,
        max_prebuffer_s: float = DEFAULT_MAX_PREBUFFER_S,
        fade_s: float = DEFAULT_FADE_S,
        resampler: Resampler | None = None,
        tap: SampleSink | None = None,
    ) -> None:
        self.device_rate = device_rate
        self._resampler = resampler or make_resampler(API_RATE, device_rate)
        self._fresh_resampler = resampler is None
        self._min_prebuffer = max(0, round(prebuffer_s * API_RATE))
        self._max_prebuffer = max(self._min_prebuffer, round(max_prebuffer_s * API_RATE))
        self.jitter = JitterTarget(self._min_prebuffer, self._max_prebuffer)
        self._hold = 0  # silence still to play before resuming after an underrun
        self._dry_gap = 0  # samples rendered while dry in the middle of an item
        self._fade_len = max(1, round(fade_s * API_RATE))
        self.tap = tap
        self._lock = threading.Lock()
        self._queue: deque[_Chunk] = deque()
        self._queued = 0
        self._items: OrderedDict[str, ItemPlayback] = OrderedDict()
        self._epoch: list[str] = []  # items since the last flush
        self._primed = False
        self._waited = 0  # 24 kHz samples rendered while audio waited for the prebuffer
        self._dry_item: ItemPlayback | None = None
        self._last_item: ItemPlayback | None = None
        self._fade_samples = np.zeros(0, dtype=np.float32)  # already faded
        self._fade_offset = 0
        self._fade_items: deque[tuple[ItemPlayback, int]] = deque()
        self._carry = np.zeros(0, dtype=np.float32)
        self._pos = 0  # 24 kHz samples fed to the resampler
        self._emitted = 0.0  # timeline position released to the device
        self._heard = 0.0
        self._segments: deque[tuple[int, int, ItemPlayback]] = deque()
        # The last rendered block: timeline position of its first sample, and the time (on
        # the caller's clock) that sample reaches the DAC; None without timing.
        self._block_start = 0.0
        self._block_dac: float | None = None
        self._scratch = np.zeros(4096, dtype=np.float32)
        self.underruns = 0
        self.rendered_frames = 0

    # ----------------------------------------------------------------- asyncio side

    def play(
        self,
        pcm: bytes | bytearray | memoryview | NDArray[np.generic],
        item_id: str,
        content_index: int = 0,
        now: float | None = None,
    ) -> None:
        """Queue 24 kHz PCM16 audio (bytes or int16 array) of an item; `now` (any clock) is
        when it arrived, for the adaptive start."""
        samples = pcm16_to_float(pcm16_from_bytes_or_array(pcm))
        if samples.size == 0:
            return
        with self._lock:
            item = self._items.get(item_id)
            if item is None:
                item = ItemPlayback(item_id, content_index)
                self._items[item_id] = item
                self._epoch.append(item_id)
                self._prune()
            if item.flushed:
                return
            item.received += samples.size
            if self._dry_item is not None:
                if self._dry_item is item and not item.done:
                    # More of the same utterance after a gap: that gap was an underrun.
                    self.underruns += 1
                    self._hold = self.jitter.underrun(self._dry_gap)
                else:
                    self._end_utterance_locked()
                self._dry_item = None
                self._dry_gap = 0
            self.jitter.arrived(samples.size, now)
            self._queue.append(_Chunk(item, samples))
            self._queued += samples.size

    def end_item(self, item_id: str) -> None:
        """No more audio will come for this item: draining it ends the utterance cleanly."""
        with self._lock:
            item = self._items.get(item_id)
            if item is None:
                return
            item.done = True
            if self._dry_item is item:
                self._dry_item = None
                self._end_utterance_locked()

    def flush(self) -> dict[str, int]:
        """Stop playback within the next render, after a short fade.

        Returns, for every item queued since the previous flush, the milliseconds of its
        audio that reached (or, for the fade and what is already in the device buffer, will
        reach) the listener. This is the `audio_end_ms` for a truncation.
        """
        with self._lock:
            if self._primed and not self._fade_items:
                self._start_fade_locked()
            for chunk in self._queue:
                chunk.item.dropped += chunk.remaining
                chunk.item.flushed = True
            self._queue.clear()
            self._queued = 0
            pending_fade: dict[str, int] = {}
            for item, count in self._fade_items:
                pending_fade[item.item_id] = pending_fade.get(item.item_id, 0) + count
            report: dict[str, int] = {}
            for item_id in self._epoch:
                record = self._items.get(item_id)
                if record is not None:
                    report[item_id] = _ms(record.consumed + pending_fade.get(item_id, 0))
            self._epoch = []
            self._end_utterance_locked()
            return report

    def cut(self, now: float) -> dict[str, int]:
        """The device dropped everything it held at `now` (same clock as `render`'s `now`):
        stop at once, no fade, and report per item the ms that reached the DAC by then."""
        with self._lock:
            for chunk in self._queue:
                chunk.item.dropped += chunk.remaining
                chunk.item.flushed = True
            self._queue.clear()
            self._queued = 0
            for item, count in self._fade_items:
                item.dropped += count
            self._fade_items.clear()
            self._fade_samples = np.zeros(0, dtype=np.float32)
            self._fade_offset = 0
            if self._block_dac is None:
                heard = self._heard  # no timing: only what is known to be heard
            else:
                # To the nearest sample: float noise must not lose one.
                heard = round(self._block_start + (now - self._block_dac) * API_RATE)
            heard = min(max(heard, self._heard), self._emitted)
            self._heard = heard
            self._fold_heard()
            self._drop_segments_after(heard)
            # What the resampler still holds belongs to the audio that was cut.
            self._carry = np.zeros(0, dtype=np.float32)
            if self._fresh_resampler:
                self._resampler = make_resampler(API_RATE, self.device_rate)
            self._emitted = self._pos - self._resampler.pending_input()
            self._block_dac = None
            report: dict[str, int] = {}
            for item_id in self._epoch:
                record = self._items.get(item_id)
                if record is not None:
                    report[item_id] = _ms(self._played(record))
            self._epoch = []
            self._end_utterance_locked()
            return report

    def played_samples(self, item_id: str) -> int:
        """24 kHz samples of the item the listener has heard so far."""
        with self._lock:
            item = self._items.get(item_id)
            return 0 if item is None else self._played(item)

    def played_ms(self, item_id: str) -> int:
        """Milliseconds of the item the listener has heard so far (floor)."""
        return _ms(self.played_samples(item_id))

    def item(self, item_id: str) -> ItemPlayback | None:
        """The accounting record of an item (a live object; read, do not modify)."""
        return self._items.get(item_id)

    @property
    def queued_samples(self) -> int:
        """24 kHz samples waiting to be rendered (fade excluded)."""
        return self._queued

    @property
    def prebuffer_samples(self) -> int:
        """The current prebuffer target of the next utterance, in 24 kHz samples."""
        return self.jitter.target

    @property
    def fade_s(self) -> float:
        """The length of the fade-out of a flush."""
        return self._fade_len / API_RATE

    @property
    def resampler_delay_s(self) -> float:
        """The output resampler's group delay."""
        return self._resampler.group_delay_s

    @property
    def emitted_position(self) -> float:
        """Timeline position (24 kHz samples, as written to `tap`) of the next sample the
        device gets: the first sample of the coming `render()` block, resampler delay
        included."""
        return self._emitted

    @property
    def primed(self) -> bool:
        """True while an utterance is playing (including an underrun gap)."""
        return self._primed

    @property
    def idle(self) -> bool:
        """Nothing queued, fading or still inside the resampler or the device buffer."""
        with self._lock:
            return (
                not self._queue and not self._fade_items and self._heard >= self._last_audio_end()
            )

    # ----------------------------------------------------------------- callback side

    def render(
        self, n_frames: int, output_latency: float = 0.0, now: float | None = None
    ) -> FloatArray:
        """Produce the next `n_frames` device samples (mono float32).

        `output_latency` is the time in seconds until the first of these frames reaches the
        DAC; everything emitted before this block is then heard `output_latency` from now.
        `now` (any clock, the one later given to `cut`) dates the block for `cut`.
        """
        out = np.empty(n_frames, dtype=np.float32)
        with self._lock:
            self._heard = max(self._heard, self._emitted - output_latency * API_RATE)
            self._block_start = self._emitted
            self._block_dac = None if now is None else now + output_latency
            self._fold_heard()
            filled = min(self._carry.size, n_frames)
            out[:filled] = self._carry[:filled]
            self._carry = self._carry[filled:]
            while filled < n_frames:
                missing = n_frames - filled
                need = self._input_for(missing)
                produced = self._resampler.process(self._next_input(need))
                take = min(produced.size, missing)
                out[filled : filled + take] = produced[:take]
                filled += take
                if take < produced.size:
                    self._carry = np.concatenate((self._carry, produced[take:]))
            self._emitted = (
                self._pos
                - self._resampler.pending_input()
                - self._carry.size * API_RATE / self.device_rate
            )
            self.rendered_frames += n_frames
        return out

    # ----------------------------------------------------------------- internals

    def _input_for(self, missing: int) -> int:
        need = max(1, math.ceil(missing * API_RATE / self.device_rate))
        while self._resampler.output_available(need) < missing and need < 1 << 20:
            need += 1
        while need > 1 and self._resampler.output_available(need - 1) >= missing:
            need -= 1
        return need

    def _next_input(self, n: int) -> FloatArray:
        if self._scratch.size < n:
            self._scratch = np.zeros(max(n, 2 * self._scratch.size), dtype=np.float32)
        buf = self._scratch[:n]
        filled = 0
        if self._fade_items:
            filled = self._take_fade(buf)
        elif not self._primed and self._queue:
            self._waited += n
            if self.jitter.should_start(self._queued, self._waited, self._queue[-1].item.done):
                self._primed = True
                self._waited = 0
                self.jitter.started(self._queued)
        if self._primed and not self._fade_items:
            if self._hold and self._queue:
                held = min(self._hold, n - filled)
                buf[filled : filled + held] = 0.0
                filled += held
                self._hold -= held
            filled += self._take_queue(buf[filled:])
            if filled < n and not self._queue:
                last = self._last_item
                if last is not None and last.done:
                    self._end_utterance_locked()
                elif last is not None:
                    self._dry_item = last
                    self._dry_gap += n - filled
        buf[filled:] = 0.0
        self._pos += n
        if self.tap is not None:
            self.tap.write(buf)
        return buf

    def _take_queue(self, dest: FloatArray) -> int:
        filled = 0
        n = dest.size
        while filled < n and self._queue:
            chunk = self._queue[0]
            take = min(n - filled, chunk.remaining)
            dest[filled : filled + take] = chunk.samples[chunk.offset : chunk.offset + take]
            self._account(chunk.item, filled, take)
            chunk.offset += take
            self._queued -= take
            filled += take
            if not chunk.remaining:
                self._queue.popleft()
        return filled

    def _take_fade(self, dest: FloatArray) -> int:
        # The fade was shaped at flush time; a fade longer than the block (tiny blocks)
        # simply continues in the next one.
        take = min(dest.size, self._fade_samples.size - self._fade_offset)
        dest[:take] = self._fade_samples[self._fade_offset : self._fade_offset + take]
        filled = 0
        while filled < take:
            item, count = self._fade_items[0]
            step = min(count, take - filled)
            self._account(item, filled, step)
            filled += step
            if step == count:
                self._fade_items.popleft()
            else:
                self._fade_items[0] = (item, count - step)
        self._fade_offset += take
        if not self._fade_items:
            self._fade_samples = np.zeros(0, dtype=np.float32)
            self._fade_offset = 0
        return take

    def _start_fade_locked(self) -> None:
        parts: list[FloatArray] = []
        need = self._fade_len
        while need and self._queue:
            chunk = self._queue[0]
            take = min(need, chunk.remaining)
            parts.append(chunk.samples[chunk.offset : chunk.offset + take])
            self._fade_items.append((chunk.item, take))
            chunk.offset += take
            self._queued -= take
            need -= take
            if not chunk.remaining:
                self._queue.popleft()
        if not parts:
            return
        samples = np.concatenate(parts)
        # Raised-cosine gain from 1 to 0: no step in level or slope, so no click.
        ramp = np.cos(np.linspace(0.0, np.pi / 2, samples.size + 1, dtype=np.float32)[1:]) ** 2
        self._fade_samples = (samples * ramp).astype(np.float32)
        self._fade_offset = 0

    def _account(self, item: ItemPlayback, offset: int, n: int) -> None:
        start = self._pos + offset
        if self._segments and self._segments[-1][2] is item and self._segments[-1][1] == start:
            s, _, it = self._segments.pop()
            self._segments.append((s, start + n, it))
        else:
            self._segments.append((start, start + n, item))
        item.consumed += n
        self._last_item = item

    def _fold_heard(self) -> None:
        heard = self._heard
        while self._segments and self._segments[0][1] <= heard:
            start, end, item = self._segments.popleft()
            item.heard += end - start

    def _drop_segments_after(self, position: float) -> None:
        """Take the audio at and after `position` off the items' accounts (never heard)."""
        while self._segments and self._segments[-1][1] > position:
            start, end, item = self._segments.pop()
            keep = max(0, math.ceil(position - start))
            lost = end - start - keep
            item.consumed -= lost
            item.dropped += lost
            if keep:
                self._segments.append((start, start + keep, item))
                break

    def _played(self, item: ItemPlayback) -> int:
        total = item.heard
        heard = self._heard
        for start, end, seg_item in self._segments:
            if start >= heard:
                break
            if seg_item is item:
                total += int(min(end, heard) - start)
        return total

    def _last_audio_end(self) -> float:
        return float(self._segments[-1][1]) if self._segments else 0.0

    def _end_utterance_locked(self) -> None:
        self._primed = False
        self._waited = 0
        self._dry_item = None
        self._dry_gap = 0
        self._hold = 0
        self.jitter.ended()

    def _prune(self) -> None:
        while len(self._items) > _MAX_TRACKED_ITEMS:
            oldest = next(iter(self._items))
            if any(c.item.item_id == oldest for c in self._queue):
                break
            del self._items[oldest]


def _ms(samples: int) -> int:
    return samples * 1000 // API_RATE


class BufferedOutput:
    """The accounting half of a `Speaker` whose device renders from a `PlaybackBuffer`:
    shared by the sound-card and the WAV speakers so both report exactly alike."""

    buffer: PlaybackBuffer
    #: `time.monotonic()` at which the last flush made the output silent at the DAC.
    audible_stop_at: float | None = None
    _notices: list[str] | None = None

    def _notice(self, text: str) -> None:
        if self._notices is None:
            self._notices = []
        if text not in self._notices:
            self._notices.append(text)

    def take_notices(self) -> list[str]:
        """One-line notices for the user since the last call."""
        notices, self._notices = self._notices or [], None
        return notices

    def end_item(self, item_id: str) -> None:
        """No more audio will come for this item (its end is not an underrun)."""
        self.buffer.end_item(item_id)

    def flush(self) -> dict[str, int]:
        """Silence within one output block (with a short fade); item_id -> played ms."""
        return self.buffer.flush()

    def played_ms(self, item_id: str) -> int:
        """Milliseconds of the item's audio the listener has heard."""
        return self.buffer.played_ms(item_id)

    @property
    def underruns(self) -> int:
        """Times playback ran dry in the middle of an item."""
        return self.buffer.underruns
