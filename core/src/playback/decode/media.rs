//! WAV, MP3, FLAC and Ogg Vorbis through symphonia: its demuxer for the container, its
//! decoder for the codec (with gapless trimming of encoder delay and padding), then the
//! shared [`Converter`] to the call's layout.

use std::io::Cursor;

use symphonia::core::audio::{Channels, Position};
use symphonia::core::codecs::audio::well_known as codecs;
use symphonia::core::codecs::audio::{AudioCodecId, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::default::formats::{FlacReader, MpaReader, OggReader, WavReader};

use super::convert::Target;
use super::convert::{Converter, Speaker};
use super::{DecodeLimits, Decoded, PromptFormat, reserve_cap, sniff, wav};
use crate::playback::PlaybackError;

/// The formats decoded here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Library {
    Wav,
    Mp3,
    Flac,
    Vorbis,
}

impl Library {
    fn format(self) -> PromptFormat {
        match self {
            Library::Wav => PromptFormat::Wav,
            Library::Mp3 => PromptFormat::Mp3,
            Library::Flac => PromptFormat::Flac,
            Library::Vorbis => PromptFormat::OggVorbis,
        }
    }
}

/// Decodes `bytes` (the container from its first byte) to `target`.
pub(super) fn decode(
    library: Library,
    bytes: &[u8],
    target: Target,
    limits: &DecodeLimits,
) -> Result<Decoded, PlaybackError> {
    let format = library.format();
    let name = format.name();
    // What symphonia does not check or say: a WAV data chunk cut short, the codec's name.
    let wav_layout = match library {
        Library::Wav => Some(wav::scan(bytes)?),
        _ => None,
    };
    if let Some(layout) = wav_layout
        && !wav::DECODED_TAGS.contains(&layout.format_tag)
    {
        return Err(PlaybackError::UnsupportedCodec {
            codec: wav::codec_name(layout.format_tag),
        });
    }
    let patched;
    let bytes = match wav_layout.and_then(|l| wav::normalized(bytes, &l)) {
        Some(rewritten) => {
            patched = rewritten;
            &patched[..]
        }
        None => bytes,
    };
    let unsupported_codec = |id: Option<AudioCodecId>| PlaybackError::UnsupportedCodec {
        codec: match (wav_layout, id) {
            (Some(layout), _) => wav::codec_name(layout.format_tag),
            (None, Some(id)) => codec_name(id),
            (None, None) => format!("unknown codec in {name}"),
        },
    };
    let source = MediaSourceStream::new(Box::new(Cursor::new(bytes)), Default::default());
    let options = FormatOptions::default();
    let opened: Result<Box<dyn FormatReader + '_>, SymError> = match library {
        Library::Wav => WavReader::try_new(source, options).map(|r| Box::new(r) as _),
        Library::Mp3 => MpaReader::try_new(source, options).map(|r| Box::new(r) as _),
        Library::Flac => FlacReader::try_new(source, options).map(|r| Box::new(r) as _),
        Library::Vorbis => OggReader::try_new(source, options).map(|r| Box::new(r) as _),
    };
    let mut reader = match opened {
        Ok(reader) => reader,
        Err(SymError::Unsupported(_)) if wav_layout.is_some() => {
            return Err(unsupported_codec(None));
        }
        Err(e) => return Err(library_error(name, e)),
    };

    let Some(track) = reader.default_track(TrackType::Audio) else {
        return Err(PlaybackError::Empty { format: Some(name) });
    };
    let track_id = track.id;
    let num_frames = track.num_frames;
    let Some(params) = track.codec_params.as_ref().and_then(|p| p.audio()).cloned() else {
        return Err(PlaybackError::Corrupt {
            format: name,
            reason: "the audio track has no codec parameters".into(),
        });
    };
    if library == Library::Vorbis && params.codec != codecs::CODEC_ID_VORBIS {
        return Err(unsupported_codec(Some(params.codec)));
    }
    let Some(source_rate) = params.sample_rate else {
        return Err(PlaybackError::Corrupt {
            format: name,
            reason: "the stream states no sample rate".into(),
        });
    };
    let speakers = match &params.channels {
        Some(channels) => speakers(channels),
        None => {
            return Err(PlaybackError::Corrupt {
                format: name,
                reason: "the stream states no channel count".into(),
            });
        }
    };
    // The frame count is exact for a WAV data chunk of stated length, a FLAC STREAMINFO and
    // an MP3 Xing/Info tag; elsewhere it is an estimate (MP3 from the bitrate) or unknown.
    let exact_frames = match library {
        Library::Wav if wav_layout.is_some_and(|l| l.data_len.is_some()) => num_frames,
        Library::Flac => num_frames,
        Library::Mp3 if sniff::mp3_has_frame_count(bytes) => num_frames,
        _ => None,
    };
    let mut converter = Converter::new(
        name,
        source_rate,
        &speakers,
        target,
        limits.max_duration,
        num_frames,
        reserve_cap(bytes.len()),
    )?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(&params, &AudioDecoderOptions::default())
        .map_err(|e| match e {
            SymError::Unsupported(_) => unsupported_codec(Some(params.codec)),
            e => library_error(name, e),
        })?;
    let source_channels = speakers.len();

    let mut samples: Vec<f32> = Vec::new();
    let mut packets = 0u64;
    loop {
        let packet = match reader.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            // A chained Ogg file: the prompt is its first link.
            Err(SymError::ResetRequired) => break,
            Err(e) => return Err(library_error(name, e)),
        };
        if packet.track_id != track_id {
            continue;
        }
        packets += 1;
        let audio = decoder.decode(&packet).map_err(|e| match e {
            SymError::Unsupported(_) => unsupported_codec(Some(params.codec)),
            e => PlaybackError::Corrupt {
                format: name,
                reason: format!("packet {packets}: {}", describe(&e)),
            },
        })?;
        let spec = audio.spec();
        if spec.rate() != source_rate || spec.channels().count() != source_channels {
            return Err(PlaybackError::UnsupportedAudio {
                format: name,
                reason: format!(
                    "the layout changes from {source_rate} Hz x {source_channels} to {} Hz x {} \
                     in packet {packets}",
                    spec.rate(),
                    spec.channels().count()
                ),
            });
        }
        let frames = audio.frames() as u64;
        if frames > converter.frames_left() {
            return Err(converter.too_long());
        }
        audio.copy_to_vec_interleaved(&mut samples);
        converter.push_f32(&samples)?;
    }
    if let Some(expected) = exact_frames {
        let decoded = converter.frames_in();
        if decoded < expected {
            return Err(PlaybackError::Truncated {
                format: name,
                reason: format!(
                    "the header announces {expected} frames; the stream ends after {decoded}"
                ),
            });
        }
    }
    let source_frames = converter.frames_in();
    Ok(Decoded {
        samples: converter.finish()?,
        format,
        source_rate,
        source_channels,
        source_frames,
    })
}

/// Speaker positions of symphonia's channel description, in buffer order.
fn speakers(channels: &Channels) -> Vec<Speaker> {
    match channels {
        // Positioned channels are stored in ascending bit order of the mask.
        Channels::Positioned(mask) => (0..64)
            .map(|bit| 1u64 << bit)
            .filter(|bit| mask.bits() & bit != 0)
            .map(|bit| speaker(Position::from_bits_truncate(bit)))
            .collect(),
        other => Speaker::wave_order(other.count()),
    }
}

fn speaker(position: Position) -> Speaker {
    const LEFT: Position = Position::FRONT_LEFT
        .union(Position::FRONT_LEFT_CENTER)
        .union(Position::FRONT_LEFT_WIDE)
        .union(Position::TOP_FRONT_LEFT)
        .union(Position::BOTTOM_FRONT_LEFT);
    const RIGHT: Position = Position::FRONT_RIGHT
        .union(Position::FRONT_RIGHT_CENTER)
        .union(Position::FRONT_RIGHT_WIDE)
        .union(Position::TOP_FRONT_RIGHT)
        .union(Position::BOTTOM_FRONT_RIGHT);
    const SURROUND_LEFT: Position = Position::REAR_LEFT
        .union(Position::SIDE_LEFT)
        .union(Position::TOP_REAR_LEFT)
        .union(Position::TOP_SIDE_LEFT);
    const SURROUND_RIGHT: Position = Position::REAR_RIGHT
        .union(Position::SIDE_RIGHT)
        .union(Position::TOP_REAR_RIGHT)
        .union(Position::TOP_SIDE_RIGHT);
    const CENTER: Position = Position::FRONT_CENTER
        .union(Position::TOP_CENTER)
        .union(Position::TOP_FRONT_CENTER)
        .union(Position::BOTTOM_FRONT_CENTER);
    const REAR_CENTER: Position = Position::REAR_CENTER.union(Position::TOP_REAR_CENTER);
    const LFE: Position = Position::LFE1.union(Position::LFE2);
    [
        (LEFT, Speaker::FrontLeft),
        (RIGHT, Speaker::FrontRight),
        (SURROUND_LEFT, Speaker::SurroundLeft),
        (SURROUND_RIGHT, Speaker::SurroundRight),
        (CENTER, Speaker::Center),
        (REAR_CENTER, Speaker::RearCenter),
        (LFE, Speaker::Lfe),
    ]
    .into_iter()
    .find(|(set, _)| set.contains(position))
    .map_or(Speaker::Other, |(_, speaker)| speaker)
}

/// A symphonia error as a prompt error about the `format` file.
fn library_error(format: &'static str, e: SymError) -> PlaybackError {
    match e {
        SymError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            PlaybackError::Truncated {
                format,
                reason: "the file ends inside a header or packet".into(),
            }
        }
        SymError::Unsupported(what) => PlaybackError::UnsupportedAudio {
            format,
            reason: what.to_owned(),
        },
        e => PlaybackError::Corrupt {
            format,
            reason: describe(&e),
        },
    }
}

fn describe(e: &SymError) -> String {
    match e {
        SymError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the packet ends early".into()
        }
        SymError::DecodeError(what) => (*what).to_owned(),
        SymError::LimitError(what) => format!("a decoder limit was reached: {what}"),
        e => e.to_string(),
    }
}

/// A name for a symphonia codec id, for codecs this build does not decode.
fn codec_name(id: AudioCodecId) -> String {
    let name = match id {
        codecs::CODEC_ID_ADPCM_G722 => "G.722 ADPCM",
        codecs::CODEC_ID_ADPCM_G726 | codecs::CODEC_ID_ADPCM_G726LE => "G.726 ADPCM",
        codecs::CODEC_ID_ADPCM_MS => "Microsoft ADPCM",
        codecs::CODEC_ID_ADPCM_IMA_WAV | codecs::CODEC_ID_ADPCM_IMA_QT => "IMA ADPCM",
        codecs::CODEC_ID_OPUS => "Opus",
        codecs::CODEC_ID_SPEEX => "Speex",
        codecs::CODEC_ID_MP1 => "MPEG audio Layer I (MP1)",
        codecs::CODEC_ID_MP2 => "MPEG audio Layer II (MP2)",
        codecs::CODEC_ID_AAC => "AAC",
        codecs::CODEC_ID_FLAC => "FLAC",
        _ => return format!("codec id {id}"),
    };
    name.to_owned()
}
