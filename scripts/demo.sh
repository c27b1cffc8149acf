#!/usr/bin/env bash
# `make demo`: starts the local emulator and runs rt's main jobs against it, printing what a
# user would see. No key and no network needed: the emulator stands in for the service, in
# its default live mode (the service's measured latencies, late transcripts, token deltas,
# answers by kind of request; `rt emulator --exact` would give the tests' fixed replies).
set -euo pipefail
cd "$(dirname "$0")/.."
RT=.venv/bin/rt
OUT=demo-output
mkdir -p "$OUT"

# A private config home and none of the user's rt settings, so nothing of theirs can point
# the demo elsewhere (a proxy URL would get the demo's prompts).
export XDG_CONFIG_HOME
XDG_CONFIG_HOME=$(mktemp -d)
unset OPENAI_WEBSOCKET_BASE_URL RT_CONFIG RT_PROFILE RT_MODEL RT_VOICE
export OPENAI_API_KEY=sk-demo-emulator-only

$RT emulator --port 0 > "$OUT/emulator.txt" 2>&1 &
EMU=$!
trap 'kill $EMU 2>/dev/null; wait $EMU 2>/dev/null; rm -rf "$XDG_CONFIG_HOME"' EXIT
for _ in $(seq 100); do
    grep -q '^base_url: ' "$OUT/emulator.txt" 2>/dev/null && break
    sleep 0.1
done
OPENAI_BASE_URL=$(sed -n 's/^base_url: //p' "$OUT/emulator.txt")
[ -n "$OPENAI_BASE_URL" ] || { echo "demo: the emulator did not start" >&2; exit 1; }
export OPENAI_BASE_URL
echo "# rt emulator is listening: $OPENAI_BASE_URL"
echo

show() {  # print the command as a user would type it, then run it
    printf '$ rt'
    for arg in "${@:2}"; do
        if [[ $arg == *" "* ]]; then printf ' "%s"' "$arg"; else printf ' %s' "$arg"; fi
    done
    echo
    "$@"
    echo
}

show $RT text "Summarize this: rt talks to the OpenAI Realtime API from a terminal."
show $RT talk --input-file demo/hello.wav --output-file "$OUT/reply.wav" \
    --record "$OUT/conversation.wav" --transcribe gpt-4o-mini-transcribe --plain --max-seconds 30
show $RT token --expires-in 600 --json
printf 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' > "$OUT/offer.sdp"
show $RT sdp-offer "$OUT/offer.sdp" --json
echo "Files written: $OUT/reply.wav (what the speaker played), $OUT/conversation.wav (stereo)."
