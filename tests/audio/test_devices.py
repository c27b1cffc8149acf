"""Device listing, selection, errors, and the sounddevice adapters on a fake PortAudio."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from realtime_cli.audio import capture, devices, playback
from realtime_cli.audio.capture import SoundDeviceMicrophone
from realtime_cli.audio.devices import DeviceInfo, list_devices, select_device, supported_rate
from realtime_cli.audio.errors import (
    DeviceLostError,
    DeviceRateError,
    DeviceSelectionError,
    NoDeviceError,
    PortAudioMissingError,
)
from realtime_cli.audio.far_end import FarEndReference
from realtime_cli.audio.playback import SoundDeviceSpeaker
from realtime_cli.audio.sound_card import open_sound_card
from realtime_cli.errors import RtError
from tests.audio.fake_sounddevice import FakeSoundDevice, FakeStream
from tests.audio.signals import tone, tone_pcm16
from tests.audio.virtual_audio import VirtualAudio

DEVICES = [
    DeviceInfo(0, "Built-in Microphone", "ALSA", 2, 0, 48000.0, is_default_input=True),
    DeviceInfo(1, "Built-in Output", "ALSA", 0, 2, 48000.0, is_default_output=True),
    DeviceInfo(2, "USB Headset", "ALSA", 1, 2, 16000.0),
    DeviceInfo(3, "USB Headset Monitor", "ALSA", 2, 0, 44100.0),
]


@pytest.fixture
def fake_sd(monkeypatch: pytest.MonkeyPatch) -> FakeSoundDevice:
    fake = FakeSoundDevice()
    for module in (devices, capture, playback):
        monkeypatch.setattr(module, "load_sounddevice", lambda: fake)
    # The speaker dates each block and each cut by time.monotonic(): on a real device the
    # time between a block and a flush is time played. Here the test drives the callbacks,
    # so the clock stands still; with a real one, a loaded machine's delay before flush()
    # would count as audio heard.
    monkeypatch.setattr(playback, "time", SimpleNamespace(monotonic=lambda: 1000.0))
    return fake


def test_select_by_index_name_and_default() -> None:
    assert select_device(None, "input", DEVICES).index == 0
    assert select_device(None, "output", DEVICES).index == 1
    assert select_device(2, "output", DEVICES).name == "USB Headset"
    assert select_device("2", "input", DEVICES).index == 2
    assert select_device("built-in mic", "input", DEVICES).index == 0
    # "usb headset" is a substring of two inputs, but one matches exactly.
    assert select_device("usb HEADSET", "input", DEVICES).index == 2
    assert select_device("monitor", "input", DEVICES).index == 3


def test_selection_errors_are_one_line_usage_errors() -> None:
    with pytest.raises(DeviceSelectionError, match=r"several output devices \(1: Built-in"):
        select_device("OUT", "output", [*DEVICES, DeviceInfo(4, "HDMI out", "ALSA", 0, 8, 48e3)])
    with pytest.raises(DeviceSelectionError, match="no output device matches 'hdmi'"):
        select_device("hdmi", "output", DEVICES)
    with pytest.raises(DeviceSelectionError, match="no device with index 9"):
        select_device(9, "input", DEVICES)
    with pytest.raises(DeviceSelectionError, match="has no output channels"):
        select_device(0, "output", DEVICES)
    with pytest.raises(NoDeviceError, match="no microphone"):
        select_device(None, "input", [d for d in DEVICES if not d.is_input])
    err = DeviceSelectionError("x")
    assert isinstance(err, RtError) and err.exit_code == 2


def test_no_default_device_falls_back_to_the_first_usable_one() -> None:
    plain = [DeviceInfo(5, "pulse", "ALSA", 32, 32, 44100.0)]
    assert select_device(None, "input", plain).index == 5


def test_missing_portaudio_names_the_install_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> object:
        raise OSError("PortAudio library not found")

    monkeypatch.setattr(devices.importlib, "import_module", missing)
    with pytest.raises(PortAudioMissingError) as err:
        list_devices()
    message = err.value.message
    assert "apt-get install libportaudio2" in message
    assert "brew install portaudio" in message
    assert "\n" not in message
    assert isinstance(err.value, RtError)


def test_importing_the_package_does_not_import_sounddevice() -> None:
    code = "import sys, realtime_cli.audio; print('sounddevice' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


def test_listing_marks_defaults(fake_sd: FakeSoundDevice) -> None:
    listed = list_devices()
    assert [(d.index, d.is_default_input, d.is_default_output) for d in listed] == [
        (0, True, False),
        (1, False, True),
    ]
    assert [d.index for d in list_devices("output")] == [1]
    assert "USB Mic (ALSA, 2 in, 0 out, 48000 Hz)" in listed[0].describe()


def test_rate_falls_back_to_the_device_default(fake_sd: FakeSoundDevice) -> None:
    mic = list_devices("input")[0]
    fake_sd.accepted_rates = {48000}
    assert supported_rate(mic, "input", 2, 24000) == 48000
    fake_sd.accepted_rates = {24000, 48000}
    assert supported_rate(mic, "input", 2, 24000) == 24000
    fake_sd.accepted_rates = set()
    with pytest.raises(DeviceRateError, match="rejects 24000 Hz or 48000 Hz"):
        supported_rate(mic, "input", 2, 24000)


def test_microphone_delivers_frames_from_callbacks(fake_sd: FakeSoundDevice) -> None:
    async def scenario() -> list[np.ndarray]:
        mic = SoundDeviceMicrophone()
        frames: list[np.ndarray] = []
        async with mic:
            stream = fake_sd.streams[0]
            assert (stream.samplerate, stream.channels) == (48000, 2)
            signal = tone(1000.0, 48000, 0.2)
            for i in range(0, signal.size, 441):  # odd PortAudio block sizes
                block = signal[i : i + 441]
                stream.feed(np.stack([block, block], axis=1))
            async for frame in mic:
                frames.append(frame)
                if len(frames) == 9:
                    break
        return frames

    frames = asyncio.run(scenario())
    assert all(f.shape == (480,) for f in frames)
    assert np.abs(np.concatenate(frames)[480:]).max() > 16000


def test_all_zero_capture_is_flagged_silent_and_keeps_capturing(fake_sd: FakeSoundDevice) -> None:
    async def scenario() -> tuple[bool, bool, int]:
        async with SoundDeviceMicrophone(silence_timeout_s=2.0) as mic:
            stream = fake_sd.streams[0]
            for _ in range(150):  # 1.5 s of exact zeros at 48 kHz
                stream.feed(np.zeros((480, 2), dtype=np.float32))
            frames = 0
            async for _frame in mic:
                frames += 1
                if frames == 70:
                    break
            before = mic.silent
            for _ in range(60):  # 0.6 s more: past the 2 s limit
                stream.feed(np.zeros((480, 2), dtype=np.float32))
            async for _frame in mic:
                frames += 1
                if frames == 95:
                    break
            after = mic.silent
            return before, after, frames

    before, after, frames = asyncio.run(scenario())
    assert (before, after) == (False, True)
    assert frames == 95  # the stream did not end: a muted microphone is not an error
    assert fake_sd.streams[0].closed


def test_disconnect_keeps_what_was_recorded_then_raises(fake_sd: FakeSoundDevice) -> None:
    frames: list[np.ndarray] = []

    async def scenario() -> None:
        mic = SoundDeviceMicrophone()
        async with mic:
            stream = fake_sd.streams[0]
            signal = tone(440.0, 48000, 0.5)
            for i in range(0, signal.size, 480):
                stream.feed(np.stack([signal[i : i + 480]] * 2, axis=1))
            stream.disconnect()
            async for frame in mic:
                frames.append(frame)

    with pytest.raises(DeviceLostError, match="stopped delivering audio"):
        asyncio.run(scenario())
    assert len(frames) == 26  # 0.5 s = 25 frames + the resampler tail in a padded frame


def test_close_ends_iteration_cleanly(fake_sd: FakeSoundDevice) -> None:
    async def scenario() -> int:
        mic = SoundDeviceMicrophone()
        mic.start()
        fake_sd.streams[0].feed(np.full((4800, 2), 0.1, dtype=np.float32))
        await mic.close()
        return len([f async for f in mic])

    assert asyncio.run(scenario()) == 6  # 100 ms + tail
    assert fake_sd.streams[0].closed


def test_speaker_callback_renders_and_accounts(fake_sd: FakeSoundDevice) -> None:
    async def scenario() -> tuple[int, dict[str, int], np.ndarray]:
        speaker = SoundDeviceSpeaker(prebuffer_s=0.0)
        speaker.play(tone_pcm16(440, 1.0), "a")
        stream = fake_sd.streams[0]
        assert stream.samplerate == 44100
        blocks = [stream.pull(441, latency=0.05) for _ in range(30)]  # 300 ms
        heard = speaker.played_ms("a")
        report = speaker.flush()
        blocks.append(stream.pull(441, latency=0.05))
        await speaker.close()
        return heard, report, np.concatenate(blocks)

    heard, report, out = asyncio.run(scenario())
    assert out.shape == (31 * 441, 2)
    np.testing.assert_array_equal(out[:, 0], out[:, 1])
    assert heard in (238, 239)  # 290 ms handed over - 50 ms latency - 1.9 ms filter
    # The flush aborted the stream at once: what the device still held (the last block's
    # 10 ms and 50 ms of latency) was cut, and the report is what had reached the DAC.
    assert report["a"] in (238, 239)
    assert fake_sd.streams[0].stopped and fake_sd.streams[0].started
    assert not out[-441:].any()  # nothing of the cut audio comes after the restart


class _StubbornStream(FakeStream):
    """A stream that cannot start again after an abort."""

    def start(self) -> None:
        if self.stopped:
            raise RuntimeError("PaErrorCode -9999")
        super().start()


def test_a_stream_that_cannot_restart_is_reopened(fake_sd: FakeSoundDevice) -> None:
    opened: list[FakeStream] = []

    def open_stubborn(**kwargs: Any) -> FakeStream:
        stream = _StubbornStream(**kwargs) if not opened else FakeStream(**kwargs)
        opened.append(stream)
        fake_sd.streams.append(stream)
        return stream

    fake_sd.OutputStream = open_stubborn  # type: ignore[method-assign]

    async def scenario() -> list[str]:
        speaker = SoundDeviceSpeaker(prebuffer_s=0.0)
        speaker.play(tone_pcm16(440, 1.0), "a")
        for _ in range(10):
            fake_sd.streams[0].pull(441, latency=0.05)
        speaker.flush()
        speaker.play(tone_pcm16(440, 0.2), "b")  # plays on the new stream
        block = fake_sd.streams[1].pull(441, latency=0.05)
        assert block.any()
        await speaker.close()
        return speaker.take_notices()

    assert asyncio.run(scenario()) == []
    assert len(opened) == 2 and opened[0].closed


def test_a_stream_that_cannot_restart_or_reopen_is_one_clear_error(
    fake_sd: FakeSoundDevice,
) -> None:
    def open_once(**kwargs: Any) -> FakeStream:
        if fake_sd.streams:
            raise RuntimeError("Device unavailable")
        stream = _StubbornStream(**kwargs)
        fake_sd.streams.append(stream)
        return stream

    fake_sd.OutputStream = open_once  # type: ignore[method-assign]

    async def scenario() -> dict[str, int]:
        speaker = SoundDeviceSpeaker(prebuffer_s=0.0)
        speaker.play(tone_pcm16(440, 1.0), "a")
        for _ in range(30):
            fake_sd.streams[0].pull(441, latency=0.05)
        report = speaker.flush()
        with pytest.raises(DeviceLostError, match="did not restart after a barge-in") as err:
            speaker.play(tone_pcm16(440, 0.1), "b")
        assert "\n" not in str(err.value)
        assert speaker.played_ms("a") == report["a"]  # the accounting stays readable
        return report

    assert asyncio.run(scenario())["a"] in (238, 239)


def test_a_device_without_dac_time_is_cut_by_its_nominal_latency_with_a_notice(
    fake_sd: FakeSoundDevice,
) -> None:
    async def scenario() -> tuple[dict[str, int], list[str]]:
        speaker = SoundDeviceSpeaker(prebuffer_s=0.0)
        speaker.play(tone_pcm16(440, 1.0), "a")
        for _ in range(30):
            fake_sd.streams[0].pull(441, latency=0.0)  # no DAC time at all
        report = speaker.flush()
        notices = speaker.take_notices()
        await speaker.close()
        return report, notices

    report, notices = asyncio.run(scenario())
    assert report["a"] in (248, 249)  # 290 ms - 40 ms nominal latency - 1.9 ms filter
    assert len(notices) == 1 and "reports no DAC time" in notices[0]
    assert "40 ms" in notices[0]


def test_dac_time_missing_only_on_a_streams_first_callbacks_gives_no_notice(
    fake_sd: FakeSoundDevice,
) -> None:
    # PulseAudio: the first two callbacks of every stream carry no DAC time. The blocks a
    # barge-in cuts have one, so the truncation is exact and nothing must be said; the
    # echo reference's timeline starts over with the restarted stream.
    far_end = FarEndReference()

    async def scenario() -> tuple[dict[str, int], list[str]]:
        speaker = SoundDeviceSpeaker(prebuffer_s=0.0, far_end=far_end)
        speaker.play(tone_pcm16(440, 1.0), "a")
        stream = fake_sd.streams[0]
        for latency in [0.0, 0.0] + [0.05] * 28:
            stream.pull(441, latency=latency)
        report = speaker.flush()
        breaks = far_end.breaks
        speaker.play(tone_pcm16(440, 1.0), "b")
        for latency in [0.0, 0.0] + [0.01] * 5:
            stream.pull(441, latency=latency)
        assert far_end.breaks == breaks + 1  # the restart, once its real DAC times arrive
        speaker.flush()
        notices = speaker.take_notices()
        await speaker.close()
        return report, notices

    report, notices = asyncio.run(scenario())
    assert notices == []
    assert report["a"] in (238, 239)  # 300 ms - 50 ms DAC latency - 1.9 ms filter
    assert not far_end.estimated


def test_speaker_uses_the_stream_latency_when_the_host_reports_none(
    fake_sd: FakeSoundDevice,
) -> None:
    async def scenario() -> int:
        speaker = SoundDeviceSpeaker(prebuffer_s=0.0)
        speaker.play(tone_pcm16(440, 1.0), "a")
        for _ in range(11):
            fake_sd.streams[0].pull(441, latency=0.0)  # as on early ALSA callbacks
        await speaker.close()
        return speaker.played_ms("a")

    assert asyncio.run(scenario()) in (58, 59)  # 100 ms - 40 ms stream latency - 1.9 ms


def test_speaker_reports_a_lost_device(fake_sd: FakeSoundDevice) -> None:
    async def scenario() -> None:
        speaker = SoundDeviceSpeaker()
        speaker.play(tone_pcm16(440, 0.1), "a")
        fake_sd.streams[0].disconnect()
        assert speaker.flush() == {"a": 0}
        speaker.play(tone_pcm16(440, 0.1), "b")

    with pytest.raises(DeviceLostError, match="output device 1 \\(Speakers\\) stopped"):
        asyncio.run(scenario())


@pytest.mark.virtual_audio
def test_a_sound_card_pair_cancels_echo_by_default(virtual_audio: VirtualAudio) -> None:
    microphone, speaker = open_sound_card("vmic", "vspeaker")
    assert microphone.echo is not None and microphone.echo.mode == "aec"
    assert speaker._far_end is microphone.echo.reference  # what it plays is the reference
    microphone, speaker = open_sound_card("vmic", "vspeaker", echo="off")  # headphones
    assert microphone.echo is None and speaker._far_end is None
