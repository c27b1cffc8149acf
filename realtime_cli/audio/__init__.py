"""Audio for rt: capture, playback, resampling, WAV devices. Knows nothing of the protocol.

The core is sans-I/O and testable without sound hardware (`CaptureChain`, `PlaybackBuffer`,
`PolyphaseResampler`, `SampleRing`, `FrameAssembler`); thin adapters put it on PortAudio
(`SoundDeviceMicrophone`, `SoundDeviceSpeaker`) or on WAV files (`WavMicrophone`,
`WavSpeaker`). sounddevice is imported only when a device is opened or listed.
Echo cancellation: `open_sound_card()` opens both sound-card devices with it on (`aec`), or
give one `EchoControl` to both yourself (the speaker records the far-end reference, the
microphone cancels it); pywebrtc-audio loads only for `aec`.
"""

from __future__ import annotations

from realtime_cli.audio.capture import SoundDeviceMicrophone
from realtime_cli.audio.capture_chain import CaptureChain
from realtime_cli.audio.devices import DeviceInfo, list_devices, select_device, supported_rate
from realtime_cli.audio.echo_canceller import (
    ECHO_MODES,
    Aec3Canceller,
    EchoCanceller,
    EchoMode,
    GateCanceller,
    PassThrough,
    make_echo_canceller,
)
from realtime_cli.audio.echo_control import EchoControl
from realtime_cli.audio.errors import (
    AudioError,
    DeviceLostError,
    DeviceRateError,
    DeviceSelectionError,
    NoDeviceError,
    PortAudioMissingError,
    WavFormatError,
)
from realtime_cli.audio.far_end import FarEndReference
from realtime_cli.audio.frame_assembler import DEFAULT_FRAME_SAMPLES, FrameAssembler
from realtime_cli.audio.interfaces import Microphone, Speaker
from realtime_cli.audio.playback import SoundDeviceSpeaker
from realtime_cli.audio.playback_buffer import ItemPlayback, PlaybackBuffer
from realtime_cli.audio.recorder import StereoRecorder
from realtime_cli.audio.resample import (
    PassthroughResampler,
    PolyphaseResampler,
    Resampler,
    SoxrResampler,
    make_resampler,
)
from realtime_cli.audio.ring_buffer import SampleRing
from realtime_cli.audio.sample_format import API_RATE, downmix, float_to_pcm16, pcm16_to_float
from realtime_cli.audio.sound_card import open_sound_card
from realtime_cli.audio.wav_devices import WavMicrophone, WavSpeaker
from realtime_cli.audio.wavfile import WavInfo, WavReader, WavWriter, read_wav, write_wav

__all__ = [
    "API_RATE",
    "DEFAULT_FRAME_SAMPLES",
    "ECHO_MODES",
    "Aec3Canceller",
    "AudioError",
    "CaptureChain",
    "DeviceInfo",
    "DeviceLostError",
    "DeviceRateError",
    "DeviceSelectionError",
    "EchoCanceller",
    "EchoControl",
    "EchoMode",
    "FarEndReference",
    "FrameAssembler",
    "GateCanceller",
    "ItemPlayback",
    "Microphone",
    "NoDeviceError",
    "PassThrough",
    "PassthroughResampler",
    "PlaybackBuffer",
    "PolyphaseResampler",
    "PortAudioMissingError",
    "Resampler",
    "SampleRing",
    "SoundDeviceMicrophone",
    "SoundDeviceSpeaker",
    "SoxrResampler",
    "Speaker",
    "StereoRecorder",
    "WavFormatError",
    "WavInfo",
    "WavMicrophone",
    "WavReader",
    "WavSpeaker",
    "WavWriter",
    "downmix",
    "float_to_pcm16",
    "list_devices",
    "make_echo_canceller",
    "make_resampler",
    "open_sound_card",
    "pcm16_to_float",
    "read_wav",
    "select_device",
    "supported_rate",
    "write_wav",
]
