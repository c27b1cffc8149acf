"""Small send buffers, so that a stalled network cannot swallow minutes of audio: the
websocket library's write buffer and the kernel's socket send buffer are capped, and what
both still hold can be read (Linux: SIOCOUTQ, bytes not yet acknowledged by the peer).

Left alone, Linux grows a socket's send buffer up to `net.ipv4.tcp_wmem` (4 MiB here): 60 s
of base64 audio that a recovering network would deliver stale.
"""

from __future__ import annotations

import contextlib
import fcntl
import socket
import struct
import termios
from typing import Any

__all__ = ["KERNEL_SEND_BUFFER", "WRITE_LIMIT", "cap_kernel_send_buffer", "unsent_bytes"]

#: The websocket library's write buffer high-water mark (its default is 32 KiB).
WRITE_LIMIT = 8 * 1024
#: SO_SNDBUF asked for (Linux doubles it): 32 KiB, about half a second of audio events, and
#: still enough in flight for a 400 ms round trip at the audio's rate.
KERNEL_SEND_BUFFER = 16 * 1024


def cap_kernel_send_buffer(sock: socket.socket | None) -> None:
    """Fix the socket's send buffer at `KERNEL_SEND_BUFFER` (no autotuning beyond it)."""
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, KERNEL_SEND_BUFFER)


def unsent_bytes(transport: Any) -> int:
    """Bytes written but not yet delivered: the transport's buffer plus, where the kernel
    tells (Linux), the socket's unacknowledged send queue."""
    total = 0
    with contextlib.suppress(Exception):
        total += int(transport.get_write_buffer_size())
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is not None:
        with contextlib.suppress(OSError, ValueError):
            raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
            total += struct.unpack("i", raw)[0]
    return total
