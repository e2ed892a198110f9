#!/usr/bin/env bash
# Builds the uniffi binding (bindings-mobile), generates its Python, Kotlin and Swift
# bindings with the crate's own uniffi-bindgen, runs the pytest suite through the generated
# Python module and checks that the Kotlin and Swift files exist and carry the API (there is
# no Kotlin or Swift compiler here). Run scripts/setup.sh first; extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="$PWD/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    echo "error: $VENV is missing; run scripts/setup.sh first" >&2
    exit 1
fi

TARGET_DIR="${CARGO_TARGET_DIR:-target}"
LIB="$TARGET_DIR/debug/libmediacore_mobile.so"
OUT=bindings-mobile/generated

echo "==> cargo build -p mediacore-mobile --features cli"
# One feature set for the library and the generator, so neither build undoes the other.
cargo build -p mediacore-mobile --features cli </dev/null

for lang in python kotlin swift; do
    echo "==> uniffi-bindgen generate --language $lang"
    rm -rf "${OUT:?}/$lang"
    cargo run -q -p mediacore-mobile --features cli --bin uniffi-bindgen -- \
        generate --library "$LIB" --language "$lang" --out-dir "$OUT/$lang" --no-format </dev/null
done
cp "$LIB" "$OUT/python/"

fail() {
    echo "error: $*" >&2
    exit 1
}
# expect FILE PATTERN...: FILE exists and matches every (extended regex) PATTERN.
expect() {
    local file=$1
    shift
    [ -s "$file" ] || fail "$file was not generated"
    local pattern
    for pattern in "$@"; do
        grep -Eq -- "$pattern" "$file" || fail "$file does not mention /$pattern/"
    done
}
echo "==> checking the generated Kotlin and Swift"
expect "$OUT/kotlin/uniffi/mediacore_mobile/mediacore_mobile.kt" \
    'open class Encoder\b' 'open class Decoder\b' 'open class MediaSession\b' \
    'sealed class MediaException' 'sealed class MediaEvent' 'data class SessionStats' \
    'fun `?encode`?\(' 'fun `?decode`?\(' 'fun `?handleRtp`?\(' 'fun `?pushCapture`?\(' \
    'fun `?pollTransmit`?\(' 'fun `?pullPlayout`?\(' 'fun `?pollEvent`?\(' \
    'fun `?pollTimeout`?\(' 'fun `?handleTimeout`?\(' 'fun `?stats`?\(' \
    'open class Transcoder\b' 'data class OpusSettings' 'enum class OpusApplication' \
    'fun `?newOpus`?\(' 'fun `?opusSettings`?\(' 'fun `?conceal`?\(' 'fun `?decodeFec`?\(' \
    'fun `?transcode`?\(' 'fun `?pollPayload`?\(' \
    'data class JitterStats' 'data class RtcpStats' 'data class QualityReport' \
    'fun `?jitterStats`?\(' 'fun `?playoutDelayMs`?\(' 'fun `?targetDelayMs`?\(' \
    'fun `?quality`?\(' 'fun `?handleRtcp`?\(' 'fun `?pollRtcp`?\(' 'fun `?leave`?\(' \
    'fun `?rtcpStats`?\(' \
    'open class DtmfDetector\b' 'data class DetectedDigit' 'enum class DtmfSource' \
    'enum class CollectEndReason' 'fun `?generateDtmf`?\(' 'fun `?generateTone`?\(' \
    'fun `?processMuted`?\(' 'fun `?sendDtmf`?\(' 'fun `?isSendingDtmf`?\(' \
    'fun `?collectDigits`?\(' 'fun `?cancelDigitCollection`?\(' 'fun `?pushSignalledDigit`?\(' \
    'open class Prompt\b' 'fun `?fromSamples`?\(' 'data class PlayCollectConfig' \
    'fun `?playPrompt`?\(' 'fun `?playAndCollect`?\(' \
    'data class RecordOptions' 'open class Recorder\b' 'data class FinishedRecording' \
    'class Record\(message' 'data class RecordingLimitReached' 'fun `?startRecording`?\(' \
    'fun `?stopRecording`?\(' 'open class PromptCache\b' 'fun `?getOrDecode`?\(' \
    'fun `?decodePromptInfo`?\(' \
    'open class Conference\b' 'sealed class ConferenceEvent' 'data class ConferenceOptions' \
    'data class ParticipantOptions' 'data class SessionSettings' 'data class Transmit' \
    'fun `?addParticipant`?\(' 'fun `?removeParticipant`?\(' 'fun `?activeSpeaker`?\(' \
    'fun `?tick`?\(' \
    'data class VoiceSettings' 'enum class VoiceStage' 'enum class VoiceDirection' \
    'data class VoiceLevel' 'fun `?setVoiceStage`?\(' 'fun `?voiceStage`?\(' \
    'fun `?voiceSettings`?\(' 'fun `?voiceLevel`?\(' 'fun `?isTalking`?\(' \
    'fun `?setBargeInOnSpeech`?\(' 'class Voice\(message' 'data class TalkStarted'
expect "$OUT/swift/mediacore_mobile.swift" \
    'open class Encoder\b' 'open class Decoder\b' 'open class MediaSession\b' \
    'enum MediaError\b' 'enum MediaEvent\b' 'struct SessionStats\b' \
    'func encode\(' 'func decode\(' 'func handleRtp\(' 'func pushCapture\(' \
    'func pollTransmit\(' 'func pullPlayout\(' 'func pollEvent\(' \
    'func pollTimeout\(' 'func handleTimeout\(' 'func stats\(' \
    'open class Transcoder\b' 'struct OpusSettings\b' 'enum OpusApplication\b' \
    'func newOpus\(' 'func opusSettings\(' 'func conceal\(' 'func decodeFec\(' \
    'func transcode\(' 'func pollPayload\(' \
    'struct JitterStats\b' 'struct RtcpStats\b' 'struct QualityReport\b' \
    'func jitterStats\(' 'func playoutDelayMs\(' 'func targetDelayMs\(' 'func quality\(' \
    'func handleRtcp\(' 'func pollRtcp\(' 'func leave\(' 'func rtcpStats\(' \
    'open class DtmfDetector\b' 'struct DetectedDigit\b' 'enum DtmfSource\b' \
    'enum CollectEndReason\b' 'func generateDtmf\(' 'func generateTone\(' \
    'func processMuted\(' 'func sendDtmf\(' 'func isSendingDtmf\(' 'func collectDigits\(' \
    'func cancelDigitCollection\(' 'func pushSignalledDigit\(' \
    'open class Prompt\b' 'func fromSamples\(' 'struct PlayCollectConfig\b' \
    'func playPrompt\(' 'func playAndCollect\(' \
    'struct RecordOptions\b' 'open class Recorder\b' 'struct FinishedRecording\b' \
    'case Record\(message' 'case recordingLimitReached\(' 'func startRecording\(' \
    'func stopRecording\(' 'open class PromptCache\b' 'func getOrDecode\(' \
    'func decodePromptInfo\(' \
    'open class Conference\b' 'enum ConferenceEvent\b' 'struct ConferenceOptions\b' \
    'struct ParticipantOptions\b' 'struct SessionSettings\b' 'struct Transmit\b' \
    'func addParticipant\(' 'func removeParticipant\(' 'func activeSpeaker\(' 'func tick\(' \
    'struct VoiceSettings\b' 'enum VoiceStage\b' 'enum VoiceDirection\b' \
    'struct VoiceLevel\b' 'func setVoiceStage\(' 'func voiceStage\(' 'func voiceSettings\(' \
    'func voiceLevel\(' 'func isTalking\(' 'func setBargeInOnSpeech\(' 'case Voice\(message' \
    'case talkStarted\('
expect "$OUT/swift/mediacore_mobileFFI.h" 'uniffi_mediacore_mobile_fn_constructor_mediasession_new'
expect "$OUT/swift/mediacore_mobileFFI.modulemap" 'mediacore_mobileFFI'

echo "==> pytest bindings-mobile/tests"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider bindings-mobile/tests "$@" </dev/null
