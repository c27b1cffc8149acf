#!/usr/bin/env bash
# Installs the system packages rt needs on Debian/Ubuntu, only those that are missing:
# the Python venv module (absent from Debian's bare python3) and PortAudio for sounddevice.
# With --test, also what the test suite's virtual sound devices need: a private PulseAudio
# server with null sinks, reached by PortAudio through ALSA's pulse plugin.
set -euo pipefail
PY=${PYTHON:-python3}
TEST=0
[ "${1:-}" = "--test" ] && TEST=1

missing=()
if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    ver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    missing+=("python${ver}-venv")
fi
# ldconfig lives in /sbin, which is not on an ordinary user's PATH.
LDCONFIG=$(command -v ldconfig || echo /sbin/ldconfig)
if ! "$LDCONFIG" -p 2>/dev/null | grep -q 'libportaudio\.so\.2'; then
    missing+=(libportaudio2)
fi
if [ "$TEST" = 1 ]; then
    command -v pulseaudio >/dev/null 2>&1 || missing+=(pulseaudio)
    command -v pactl >/dev/null 2>&1 || missing+=(pulseaudio-utils)
    ls /usr/lib/*/alsa-lib/libasound_module_pcm_pulse.so >/dev/null 2>&1 \
        || missing+=(libasound2-plugins)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "rt: please install: ${missing[*]} (PortAudio and the Python venv module)" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "rt: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi
echo "rt: installing system packages: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
