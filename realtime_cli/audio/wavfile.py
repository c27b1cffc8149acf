"""Read and write WAV files: 8/16/24/32-bit integer and 32/64-bit float, plain or EXTENSIBLE.

Python's `wave` module reads integer PCM only, so this is a small RIFF reader of its own.
Samples come out as float32 in [-1, 1), shaped (frames, channels).
"""

from __future__ import annotations

import contextlib
import os
import stat
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
from numpy.typing import NDArray

from realtime_cli.audio.errors import WavFormatError

FloatArray = NDArray[np.float32]
SampleFormat = Literal["uint8", "int16", "int24", "int32", "float32", "float64"]

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_IEEE_FLOAT = 0x0003
WAVE_FORMAT_EXTENSIBLE = 0xFFFE
# KSDATAFORMAT_SUBTYPE_* GUIDs differ only in their first two bytes (the format tag).
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"

_FORMAT_BITS: dict[str, tuple[int, int]] = {
    "uint8": (WAVE_FORMAT_PCM, 8),
    "int16": (WAVE_FORMAT_PCM, 16),
    "int24": (WAVE_FORMAT_PCM, 24),
    "int32": (WAVE_FORMAT_PCM, 32),
    "float32": (WAVE_FORMAT_IEEE_FLOAT, 32),
    "float64": (WAVE_FORMAT_IEEE_FLOAT, 64),
}


@dataclass(frozen=True)
class WavInfo:
    """The decoded `fmt ` chunk and the data size of a WAV file."""

    rate: int
    channels: int
    sample_format: SampleFormat
    frames: int
    extensible: bool

    @property
    def duration_s(self) -> float:
        return self.frames / self.rate


def _sample_format(tag: int, bits: int, path: str) -> SampleFormat:
    if tag == WAVE_FORMAT_PCM:
        names: dict[int, SampleFormat] = {8: "uint8", 16: "int16", 24: "int24", 32: "int32"}
    elif tag == WAVE_FORMAT_IEEE_FLOAT:
        names = {32: "float32", 64: "float64"}
    else:
        raise WavFormatError(f"{path}: unsupported WAV encoding (format tag 0x{tag:04x})")
    if bits not in names:
        raise WavFormatError(f"{path}: unsupported WAV sample size {bits} bits")
    return names[bits]


class WavReader:
    """Streams frames out of a WAV file; use as a context manager."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            self._file: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise WavFormatError(f"cannot open WAV file {self.path}: {exc.strerror}") from exc
        try:
            self.info = self._parse_header()
        except Exception:
            self._file.close()
            raise
        self._remaining = self.info.frames

    def _parse_header(self) -> WavInfo:
        f = self._file
        head = f.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise WavFormatError(f"{self.path}: not a WAV file (no RIFF/WAVE header)")
        fmt: tuple[int, int, int, int, bool] | None = None
        while True:
            chunk = f.read(8)
            if len(chunk) < 8:
                raise WavFormatError(f"{self.path}: WAV file has no data chunk")
            cid, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if cid == b"fmt ":
                fmt = self._parse_fmt(f.read(size))
                if size % 2:
                    f.read(1)
            elif cid == b"data":
                if fmt is None:
                    raise WavFormatError(f"{self.path}: WAV data chunk before its fmt chunk")
                tag, channels, rate, block_align, extensible = fmt
                here = f.tell()
                f.seek(0, 2)
                available = f.tell() - here
                f.seek(here)
                # Streaming writers leave 0 or 0xFFFFFFFF as the size; trust the file length.
                if size in (0, 0xFFFFFFFF) or size > available:
                    size = available
                self._data_start = here
                self._block_align = block_align
                self._container_bits = block_align * 8 // channels
                fmt_name = _sample_format(tag, self._container_bits, self.path)
                return WavInfo(rate, channels, fmt_name, size // block_align, extensible)
            else:
                f.seek(size + (size % 2), 1)

    def _parse_fmt(self, body: bytes) -> tuple[int, int, int, int, bool]:
        if len(body) < 16:
            raise WavFormatError(f"{self.path}: WAV fmt chunk too short")
        # The container size (block_align / channels) decides the decoding: a 24-bit sample
        # in a 32-bit container is left-justified, so it reads correctly as int32.
        tag, channels, rate, _, block_align, _ = struct.unpack("<HHIIHH", body[:16])
        extensible = tag == WAVE_FORMAT_EXTENSIBLE
        if extensible:
            if len(body) < 40 or body[26:40] != _GUID_TAIL:
                raise WavFormatError(f"{self.path}: unsupported WAVE_FORMAT_EXTENSIBLE subtype")
            tag = struct.unpack("<H", body[24:26])[0]
        if channels == 0 or rate == 0 or block_align == 0 or block_align % channels:
            raise WavFormatError(f"{self.path}: WAV header has zero channels, rate or block size")
        return tag, channels, rate, block_align, extensible

    def read(self, max_frames: int | None = None) -> FloatArray:
        """Up to max_frames (all remaining by default) as float32 (frames, channels)."""
        n = self._remaining if max_frames is None else min(max_frames, self._remaining)
        raw = self._file.read(n * self._block_align)
        n = len(raw) // self._block_align
        self._remaining = 0 if n == 0 and max_frames != 0 else self._remaining - n
        return _decode(raw[: n * self._block_align], self.info.sample_format, self.info.channels)

    @property
    def remaining_frames(self) -> int:
        return self._remaining

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> WavReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _decode(raw: bytes, fmt: SampleFormat, channels: int) -> FloatArray:
    if fmt == "uint8":
        data = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif fmt == "int16":
        data = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    elif fmt == "int24":
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3)
        wide = np.zeros((b.shape[0], 4), dtype=np.uint8)
        wide[:, 1:] = b  # the 24 bits in the top of an int32 keep the sign
        data = wide.view("<i4").reshape(-1).astype(np.float32) / 2147483648.0
    elif fmt == "int32":
        data = (np.frombuffer(raw, "<i4").astype(np.float64) / 2147483648.0).astype(np.float32)
    elif fmt == "float32":
        data = np.frombuffer(raw, "<f4").astype(np.float32)
    else:
        data = np.frombuffer(raw, "<f8").astype(np.float32)
    return np.ascontiguousarray(data.reshape(-1, channels), dtype=np.float32)


def read_wav(path: str | Path) -> tuple[FloatArray, int]:
    """The whole file as float32 (frames, channels) and its sample rate."""
    with WavReader(path) as reader:
        return reader.read(), reader.info.rate


def wav_info(path: str | Path) -> WavInfo:
    """The format of a WAV file without reading its samples."""
    with WavReader(path) as reader:
        return reader.info


def _part_file(path: str) -> str | None:
    """Where to write before `path` is replaced: a hidden sibling, when `path` is a regular
    file (or new); None for a device or pipe (`/dev/null`), written directly."""
    real = os.path.realpath(path)
    try:
        if not stat.S_ISREG(os.stat(real).st_mode):
            return None
    except FileNotFoundError:
        pass
    except OSError:
        return None
    head, name = os.path.split(real)
    return os.path.join(head, f".{name}.rt-part")


class WavWriter:
    """Streams frames into a WAV file; the sizes in the header are patched on close().

    When the disk fills up (or any write fails) the file is cut back to the last whole
    block, `error` says why, later frames are dropped, and close() still writes a valid
    header for what is there.

    The frames go to a hidden sibling file that replaces `path` on close(): a file already
    at `path` (an earlier recording) stays intact until then, and `discard()` (a run that
    never connected) leaves it as it was.
    """

    def __init__(
        self,
        path: str | Path,
        rate: int,
        channels: int = 1,
        sample_format: SampleFormat = "int16",
        *,
        extensible: bool = False,
    ) -> None:
        if sample_format not in _FORMAT_BITS:
            raise ValueError(f"unsupported sample format {sample_format!r}")
        self.path = str(path)
        self.rate = rate
        self.channels = channels
        self.sample_format = sample_format
        self.frames = 0
        tag, bits = _FORMAT_BITS[sample_format]
        self._block_align = channels * bits // 8
        if extensible:
            fmt = (
                struct.pack(
                    "<HHIIHHHHI",
                    WAVE_FORMAT_EXTENSIBLE,
                    channels,
                    rate,
                    rate * self._block_align,
                    self._block_align,
                    bits,
                    22,
                    bits,
                    0,
                )
                + struct.pack("<H", tag)
                + _GUID_TAIL
            )
        else:
            fmt = struct.pack(
                "<HHIIHH", tag, channels, rate, rate * self._block_align, self._block_align, bits
            )
        self._part = _part_file(self.path)
        # Unbuffered: after a failed write the file holds exactly what succeeded.
        try:
            self._file: BinaryIO = open(  # noqa: SIM115 - closed by close()
                self._part or self.path, "wb", buffering=0
            )
        except OSError:
            if self._part is None:
                raise
            self._part = None  # a directory rt may not add to: write in place
            self._file = open(self.path, "wb", buffering=0)  # noqa: SIM115
        self._size = 0
        self.error: OSError | None = None
        header = b"RIFF" + b"\0\0\0\0" + b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
        self._fact_at = -1
        if tag != WAVE_FORMAT_PCM:
            self._fact_at = len(header) + 8
            header += b"fact" + struct.pack("<I", 4) + b"\0\0\0\0"
        self._data_size_at = len(header) + 4
        self._closed = False
        if not self._put(header + b"data" + b"\0\0\0\0"):
            self._file.close()
            raise self.error  # type: ignore[misc]

    def _put(self, data: bytes) -> bool:
        """Write all of `data`, or nothing: on failure cut the file back and keep the error."""
        view = memoryview(data)
        try:
            while view:
                view = view[self._file.write(view) or 0 :]
        except OSError as exc:
            self.error = exc
            with contextlib.suppress(OSError):
                self._file.truncate(self._size)
                self._file.seek(self._size)
            return False
        self._size += len(data)
        return True

    def write(self, samples: NDArray[np.generic]) -> None:
        """Append frames: float in [-1, 1) or int16, shaped (frames, channels) or 1-D.
        Frames after close() or discard() are dropped."""
        if self._closed:
            return
        arr = np.asarray(samples)
        if arr.ndim == 1:
            arr = arr.reshape(-1, 1) if self.channels == 1 else arr.reshape(-1, self.channels)
        if arr.shape[1] != self.channels:
            raise ValueError(f"expected {self.channels} channels, got {arr.shape[1]}")
        if self.error is None and self._put(_encode(arr, self.sample_format)):
            self.frames += arr.shape[0]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        data_bytes = self.frames * self._block_align
        f = self._file
        try:
            if data_bytes % 2:
                self._put(b"\0")  # the pad byte; a full disk leaves it out
            # Patching bytes already on disk needs no new space.
            f.seek(4)
            f.write(struct.pack("<I", self._size - 8))
            if self._fact_at >= 0:
                f.seek(self._fact_at)
                f.write(struct.pack("<I", self.frames))
            f.seek(self._data_size_at)
            f.write(struct.pack("<I", data_bytes))
        finally:
            f.close()
            if self._part is not None:
                os.replace(self._part, os.path.realpath(self.path))

    def discard(self) -> None:
        """Close without keeping anything: `path` stays as it was before (absent, or the
        earlier file). Written in place (a device), what was written stays."""
        if self._closed:
            return
        self._closed = True
        self._file.close()
        if self._part is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._part)

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _encode(arr: NDArray[np.generic], fmt: SampleFormat) -> bytes:
    if arr.dtype == np.int16:
        if fmt == "int16":
            return arr.astype("<i2").tobytes()
        arr = arr.astype(np.float32) / np.float32(32768.0)
    x = np.asarray(arr, dtype=np.float64)
    if fmt == "float32":
        return x.astype("<f4").tobytes()
    if fmt == "float64":
        return x.astype("<f8").tobytes()
    if fmt == "uint8":
        return (np.clip(np.rint(x * 128.0), -128, 127) + 128).astype(np.uint8).tobytes()
    if fmt == "int16":
        return np.clip(np.rint(x * 32768.0), -32768, 32767).astype("<i2").tobytes()
    if fmt == "int24":
        v = np.clip(np.rint(x * 8388608.0), -8388608, 8388607).astype("<i4")
        return v.reshape(-1).view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    return np.clip(np.rint(x * 2147483648.0), -2147483648, 2147483647).astype("<i4").tobytes()


def write_wav(
    path: str | Path,
    samples: NDArray[np.generic],
    rate: int,
    sample_format: SampleFormat = "int16",
    *,
    extensible: bool = False,
) -> None:
    """Write a whole signal ((frames, channels) or mono 1-D) to a WAV file."""
    arr = np.asarray(samples)
    channels = 1 if arr.ndim == 1 else arr.shape[1]
    with WavWriter(path, rate, channels, sample_format, extensible=extensible) as writer:
        writer.write(arr)
