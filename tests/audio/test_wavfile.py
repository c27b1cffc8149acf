"""WAV reading and writing: every supported encoding, plain and EXTENSIBLE."""

from __future__ import annotations

import os
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from realtime_cli.audio.errors import WavFormatError
from realtime_cli.audio.wavfile import WavReader, WavWriter, read_wav, wav_info, write_wav
from realtime_cli.errors import RtError

# Quantisation step of each format relative to full scale.
STEP = {
    "uint8": 1 / 128,
    "int16": 1 / 32768,
    "int24": 1 / 8388608,
    "int32": 1 / 2**31,
    "float32": 1e-7,
    "float64": 1e-7,
}


def _signal(channels: int) -> np.ndarray:
    t = np.arange(2000) / 16000
    cols = [0.8 * np.sin(2 * np.pi * (300 + 200 * c) * t) for c in range(channels)]
    return np.stack(cols, axis=1).astype(np.float32)


@pytest.mark.parametrize("fmt", list(STEP))
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("extensible", [False, True])
def test_round_trip(tmp_path: Path, fmt: str, channels: int, extensible: bool) -> None:
    path = tmp_path / "x.wav"
    data = _signal(channels)
    write_wav(path, data, 16000, fmt, extensible=extensible)  # type: ignore[arg-type]
    info = wav_info(path)
    assert (info.rate, info.channels, info.sample_format, info.frames) == (
        16000,
        channels,
        fmt,
        2000,
    )
    assert info.extensible == extensible
    back, rate = read_wav(path)
    assert rate == 16000
    assert back.shape == (2000, channels)
    assert back.dtype == np.float32
    np.testing.assert_allclose(back, data, atol=STEP[fmt])


def _riff(fmt_body: bytes, data: bytes, extra_chunks: bytes = b"") -> bytes:
    chunks = b"fmt " + struct.pack("<I", len(fmt_body)) + fmt_body + extra_chunks
    chunks += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def test_reads_hand_made_24_bit_samples_exactly(tmp_path: Path) -> None:
    values = [0, 1, -1, 8388607, -8388608, 4194304]
    data = b"".join(struct.pack("<i", v)[:3] for v in values)
    fmt = struct.pack("<HHIIHH", 1, 1, 48000, 48000 * 3, 3, 24)
    # An odd-sized unknown chunk before data checks the RIFF padding rule.
    junk = b"LIST" + struct.pack("<I", 3) + b"abc\x00"
    path = tmp_path / "x.wav"
    path.write_bytes(_riff(fmt, data, junk))
    back, _ = read_wav(path)
    np.testing.assert_array_equal(back[:, 0], np.array(values, dtype=np.float64) / 8388608)


def test_reads_hand_made_float_extensible(tmp_path: Path) -> None:
    values = np.array([[0.25, -0.5], [1.0, -1.0], [0.0, 0.125]], dtype="<f4")
    guid = struct.pack("<H", 3) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 2, 44100, 44100 * 8, 8, 32, 22, 32, 3) + guid
    path = tmp_path / "x.wav"
    path.write_bytes(_riff(fmt, values.tobytes()))
    back, rate = read_wav(path)
    assert rate == 44100
    np.testing.assert_array_equal(back, values)


def test_int16_output_matches_the_standard_wave_module(tmp_path: Path) -> None:
    path = tmp_path / "x.wav"
    data = (_signal(2) * 32767).astype(np.int16)
    write_wav(path, data, 22050)
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (2, 22050, 2)
        raw = w.readframes(w.getnframes())
    np.testing.assert_array_equal(np.frombuffer(raw, "<i2").reshape(-1, 2), data)


def test_streaming_writer_and_reader(tmp_path: Path) -> None:
    path = tmp_path / "x.wav"
    with WavWriter(path, 24000, 1, "int16") as w:
        for i in range(10):
            w.write(np.full(100, i, dtype=np.int16))
    with WavReader(path) as r:
        assert r.info.frames == 1000
        first = r.read(150)
        rest = r.read()
        assert r.read().shape == (0, 1)
    assert first.shape == (150, 1) and rest.shape == (850, 1)
    np.testing.assert_array_equal(
        np.concatenate([first, rest])[:, 0] * 32768, np.repeat(np.arange(10), 100)
    )


def test_unknown_data_size_uses_the_file_length(tmp_path: Path) -> None:
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    raw = bytearray(_riff(fmt, np.arange(50, dtype="<i2").tobytes()))
    raw[-100 - 4 : -100] = struct.pack("<I", 0xFFFFFFFF)  # a streaming writer's placeholder
    path = tmp_path / "x.wav"
    path.write_bytes(bytes(raw))
    assert read_wav(path)[0].shape == (50, 1)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a wav file at all", "not a WAV file"),
        (_riff(struct.pack("<HHIIHH", 2, 1, 8000, 4000, 256, 4), b"\x00" * 8), "format tag 0x0002"),
        (_riff(struct.pack("<HHIIHH", 1, 1, 8000, 8000, 1, 12)[:10], b""), "fmt chunk too short"),
    ],
)
def test_bad_files_raise_one_line_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(WavFormatError, match=message) as err:
        read_wav(path)
    assert isinstance(err.value, RtError)
    assert err.value.exit_code == 2
    assert "\n" not in err.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WavFormatError, match="cannot open"):
        read_wav(tmp_path / "nope.wav")


def test_an_earlier_file_stays_intact_until_close_and_after_discard(tmp_path: Path) -> None:
    path = tmp_path / "answer.wav"
    write_wav(path, np.full(2400, 1000, dtype=np.int16), 24000)
    earlier = path.read_bytes()
    writer = WavWriter(path, 24000)
    writer.write(np.zeros(480, dtype=np.int16))
    assert path.read_bytes() == earlier  # being written next to it, not over it
    writer.discard()
    assert path.read_bytes() == earlier
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer.wav"]
    with WavWriter(path, 24000) as replacing:
        replacing.write(np.zeros(480, dtype=np.int16))
    assert wav_info(path).frames == 480
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer.wav"]


def test_a_new_file_discarded_leaves_nothing_and_a_device_is_written_in_place(
    tmp_path: Path,
) -> None:
    path = tmp_path / "new.wav"
    WavWriter(path, 24000).discard()
    assert list(tmp_path.iterdir()) == []
    with WavWriter(os.devnull, 24000) as sink:  # no hidden sibling next to /dev/null
        sink.write(np.zeros(480, dtype=np.int16))
    assert Path(os.devnull).exists() and not Path(os.devnull).is_file()
