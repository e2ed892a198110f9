//! `Encoder` and `Decoder`: one codec instance each, built from an SDP encoding name.

use std::sync::Mutex;

use ::mediacore::Codec;
use ::mediacore::codec::new_encoder_with;
use ::mediacore::codec::opus::OpusConfig;

use crate::opus::OpusSettings;
use crate::{MediaError, lock};

/// Runs `code` on `room` zeros and keeps what it wrote: the output of one encode, decode or
/// concealment.
fn coded<T: Copy + Default>(
    room: usize,
    code: impl FnOnce(&mut [T]) -> Result<usize, ::mediacore::Error>,
) -> Result<Vec<T>, MediaError> {
    let mut out = vec![T::default(); room];
    let len = code(&mut out)?;
    out.truncate(len);
    Ok(out)
}

/// Room for the `samples_per_channel` samples `decoder` makes up for a lost packet: what is
/// asked for, up to 120 ms at 48 kHz in stereo (the longest Opus packet, RFC 6716 §3.2.5, and
/// the longest concealment of any codec); the core refuses a longer duration itself.
fn concealment_room(decoder: &dyn ::mediacore::Decoder, samples_per_channel: usize) -> usize {
    const MOST: usize = 48_000 * 120 / 1000 * 2;
    samples_per_channel
        .saturating_mul(usize::from(decoder.channels()))
        .min(MOST)
}

/// Writes an object over one core coder (a `Box<dyn Encoder>` or `Box<dyn Decoder>`, with
/// any further fields the object keeps) with the `codec`, `sample_rate` and `channels`
/// methods that [`mediacore::CodecInfo`] answers for both directions; each object adds its
/// constructors and coding methods in an exported `impl` block of its own.
macro_rules! coder_object {
    (
        $(#[doc = $doc:tt])*
        $object:ident over $coder:ident { $($field:ident: $field_ty:ty),* }
        sample_rate: $rate_doc:literal;
        channels: $channels_doc:literal;
    ) => {
        $(#[doc = $doc])*
        #[derive(uniffi::Object)]
        pub struct $object {
            inner: Mutex<Box<dyn ::mediacore::$coder>>,
            $($field: $field_ty,)*
        }

        #[uniffi::export]
        impl $object {
            /// The SDP encoding name of the codec.
            pub fn codec(&self) -> String {
                lock(&self.inner).codec().name().to_owned()
            }

            #[doc = $rate_doc]
            pub fn sample_rate(&self) -> u32 {
                lock(&self.inner).sample_rate()
            }

            #[doc = $channels_doc]
            pub fn channels(&self) -> u16 {
                lock(&self.inner).channels()
            }
        }
    };
}

coder_object! {
    /// Encodes interleaved 16-bit PCM into codec payload.
    Encoder over Encoder { opus: Option<OpusConfig> }
    sample_rate: "Input sample rate in Hz.";
    channels: "Input channels (interleaved).";
}

#[uniffi::export]
impl Encoder {
    /// An encoder for an SDP encoding name ("PCMU", "PCMA", "G722", "opus", "L16", "CN";
    /// case-insensitive) taking PCM at `sample_rate` Hz with `channels` interleaved
    /// channels. Opus codes with the engine's default settings; see `new_opus`.
    #[uniffi::constructor]
    pub fn new(codec: String, sample_rate: u32, channels: u16) -> Result<Self, MediaError> {
        let codec = Codec::from_name(&codec)?;
        Self::with_settings(codec, sample_rate, channels, OpusSettings::default())
    }

    /// An Opus encoder taking PCM at `sample_rate` Hz with `channels` interleaved channels,
    /// coding as `settings` says; a field left `None` keeps the engine's default (read the
    /// settings in force back with `opus_settings`).
    #[uniffi::constructor(default(settings))]
    pub fn new_opus(
        sample_rate: u32,
        channels: u16,
        settings: OpusSettings,
    ) -> Result<Self, MediaError> {
        Self::with_settings(Codec::Opus, sample_rate, channels, settings)
    }

    /// The Opus settings in force, every field set; `None` for another codec.
    pub fn opus_settings(&self) -> Option<OpusSettings> {
        self.opus.map(OpusSettings::from)
    }

    /// Encodes interleaved samples and returns the payload. Opus takes exactly one frame
    /// of `frame_ms`.
    pub fn encode(&self, pcm: Vec<i16>) -> Result<Vec<u8>, MediaError> {
        let mut encoder = lock(&self.inner);
        let room = encoder.max_payload_len(pcm.len());
        coded(room, |out| encoder.encode(&pcm, out))
    }
}

impl Encoder {
    /// An encoder for `codec` coding Opus as `settings` say; settings for another codec are
    /// an error.
    fn with_settings(
        codec: Codec,
        sample_rate: u32,
        channels: u16,
        settings: OpusSettings,
    ) -> Result<Self, MediaError> {
        let opus = settings.resolve(codec, None)?;
        Ok(Encoder {
            inner: Mutex::new(new_encoder_with(codec, sample_rate, channels, opus)?),
            opus: (codec == Codec::Opus).then_some(opus),
        })
    }
}

coder_object! {
    /// Decodes codec payload into interleaved 16-bit PCM.
    Decoder over Decoder {}
    sample_rate: "Output sample rate in Hz.";
    channels: "Output channels (interleaved).";
}

#[uniffi::export]
impl Decoder {
    /// A decoder for an SDP encoding name producing PCM at `sample_rate` Hz with
    /// `channels` interleaved channels.
    #[uniffi::constructor]
    pub fn new(codec: String, sample_rate: u32, channels: u16) -> Result<Self, MediaError> {
        let codec = Codec::from_name(&codec)?;
        Ok(Decoder {
            inner: Mutex::new(::mediacore::new_decoder(codec, sample_rate, channels)?),
        })
    }

    /// Decodes one payload into interleaved samples.
    pub fn decode(&self, payload: Vec<u8>) -> Result<Vec<i16>, MediaError> {
        let mut decoder = lock(&self.inner);
        let room = decoder.max_decoded_len(payload.len());
        coded(room, |out| decoder.decode(&payload, out))
    }

    /// `samples_per_channel` samples (Opus: 2.5 ms steps, up to 120 ms) in place of a lost
    /// packet, extrapolated by the decoder's loss concealment; throws for a codec without.
    pub fn conceal(&self, samples_per_channel: u32) -> Result<Vec<i16>, MediaError> {
        let samples = samples_per_channel as usize;
        let mut decoder = lock(&self.inner);
        let room = concealment_room(decoder.as_ref(), samples);
        coded(room, |out| decoder.conceal(samples, out))
    }

    /// Rebuilds a lost packet of `samples_per_channel` samples from the in-band FEC in
    /// `next_payload`, the packet after the loss (decode that one afterwards); concealment
    /// where it carries none. Throws for a codec without in-band FEC (all but Opus).
    pub fn decode_fec(
        &self,
        next_payload: Vec<u8>,
        samples_per_channel: u32,
    ) -> Result<Vec<i16>, MediaError> {
        let samples = samples_per_channel as usize;
        let mut decoder = lock(&self.inner);
        let room = concealment_room(decoder.as_ref(), samples);
        coded(room, |out| decoder.decode_fec(&next_payload, samples, out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn g711_known_values() {
        let pcmu = Encoder::new("pcmu".into(), 8000, 1).unwrap();
        assert_eq!(pcmu.encode(vec![0]).unwrap(), vec![0xFF]);
        let pcma = Decoder::new("PCMA".into(), 8000, 1).unwrap();
        assert_eq!(pcma.decode(vec![0xAA]).unwrap(), vec![32256]);
        assert_eq!(pcma.codec(), "PCMA");
    }

    #[test]
    fn wrong_rate_is_a_codec_error() {
        let err = Encoder::new("PCMU".into(), 16_000, 1).err().unwrap();
        assert_eq!(
            err,
            MediaError::Codec {
                message: "PCMU does not run at 16000 Hz; supported rates: 8000".into()
            }
        );
    }

    #[test]
    fn opus_by_name_has_the_default_settings() {
        let by_name = Encoder::new("opus".into(), 16_000, 1).unwrap();
        let by_settings = Encoder::new_opus(16_000, 1, OpusSettings::default()).unwrap();
        let default = OpusConfig::default();
        assert_eq!(by_name.opus_settings(), Some(OpusSettings::from(default)));
        assert_eq!(by_name.opus_settings(), by_settings.opus_settings());
        assert_eq!(
            Encoder::new("PCMU".into(), 8000, 1)
                .unwrap()
                .opus_settings(),
            None
        );
    }
}
