//! `Encoder` and `Decoder`: one codec instance each, built from an SDP encoding name.

use std::sync::Mutex;

use ::mediacore::Codec;
use ::mediacore::codec::opus::OpusEncoder;

use crate::opus::{AnyDecoder, AnyEncoder, OpusSettings};
use crate::{MediaError, lock};

/// Writes an object over one core coder (an [`AnyEncoder`] or [`AnyDecoder`]) with the
/// `codec`, `sample_rate` and `channels` methods that [`mediacore::CodecInfo`] answers for both
/// directions; each object adds its constructors and coding methods in an exported `impl`
/// block of its own.
macro_rules! coder_object {
    (
        $(#[doc = $doc:tt])*
        $object:ident over $any:ident;
        sample_rate: $rate_doc:literal;
        channels: $channels_doc:literal;
    ) => {
        $(#[doc = $doc])*
        #[derive(uniffi::Object)]
        pub struct $object {
            inner: Mutex<$any>,
        }

        #[uniffi::export]
        impl $object {
            /// The SDP encoding name of the codec.
            pub fn codec(&self) -> String {
                lock(&self.inner).info().codec().name().to_owned()
            }

            #[doc = $rate_doc]
            pub fn sample_rate(&self) -> u32 {
                lock(&self.inner).info().sample_rate()
            }

            #[doc = $channels_doc]
            pub fn channels(&self) -> u16 {
                lock(&self.inner).info().channels()
            }
        }
    };
}

coder_object! {
    /// Encodes interleaved 16-bit PCM into codec payload.
    Encoder over AnyEncoder;
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
        let coder = match codec {
            Codec::Opus => return Self::new_opus(sample_rate, channels, OpusSettings::default()),
            _ => ::mediacore::new_encoder(codec, sample_rate, channels)?,
        };
        Ok(Encoder {
            inner: Mutex::new(AnyEncoder::Other(coder)),
        })
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
        let config = settings.config(Codec::Opus, None)?;
        let coder = OpusEncoder::new(sample_rate, channels, config)?;
        Ok(Encoder {
            inner: Mutex::new(AnyEncoder::Opus(Box::new(coder))),
        })
    }

    /// The Opus settings in force, every field set; `None` for another codec.
    pub fn opus_settings(&self) -> Option<OpusSettings> {
        lock(&self.inner).opus_config().map(OpusSettings::from)
    }

    /// Encodes interleaved samples and returns the payload. Opus takes exactly one frame
    /// of `frame_ms`.
    pub fn encode(&self, pcm: Vec<i16>) -> Result<Vec<u8>, MediaError> {
        let mut inner = lock(&self.inner);
        let encoder = inner.coder();
        let mut out = vec![0u8; encoder.max_payload_len(pcm.len())];
        let len = encoder.encode(&pcm, &mut out)?;
        out.truncate(len);
        Ok(out)
    }
}

coder_object! {
    /// Decodes codec payload into interleaved 16-bit PCM.
    Decoder over AnyDecoder;
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
            inner: Mutex::new(AnyDecoder::new(codec, sample_rate, channels)?),
        })
    }

    /// Decodes one payload into interleaved samples.
    pub fn decode(&self, payload: Vec<u8>) -> Result<Vec<i16>, MediaError> {
        let mut inner = lock(&self.inner);
        let decoder = inner.coder();
        let mut out = vec![0i16; decoder.max_decoded_len(payload.len())];
        let len = decoder.decode(&payload, &mut out)?;
        out.truncate(len);
        Ok(out)
    }

    /// Opus only: `samples_per_channel` samples (2.5 ms steps, up to 120 ms) in place of a
    /// lost packet, extrapolated by the decoder's packet loss concealment.
    pub fn conceal(&self, samples_per_channel: u32) -> Result<Vec<i16>, MediaError> {
        let mut inner = lock(&self.inner);
        let decoder = inner.opus("conceal")?;
        // Room for the longest concealment; the core checks the duration.
        let mut out = vec![0i16; ::mediacore::Decoder::max_decoded_len(decoder, 1)];
        let len = decoder.conceal(samples_per_channel as usize, &mut out)?;
        out.truncate(len);
        Ok(out)
    }

    /// Opus only: rebuilds a lost packet of `samples_per_channel` samples from the in-band
    /// FEC in `next_payload`, the packet after the loss (decode that one afterwards);
    /// concealment where it carries none.
    pub fn decode_fec(
        &self,
        next_payload: Vec<u8>,
        samples_per_channel: u32,
    ) -> Result<Vec<i16>, MediaError> {
        let mut inner = lock(&self.inner);
        let decoder = inner.opus("decode_fec")?;
        let mut out = vec![0i16; ::mediacore::Decoder::max_decoded_len(decoder, 1)];
        let len = decoder.decode_fec(&next_payload, samples_per_channel as usize, &mut out)?;
        out.truncate(len);
        Ok(out)
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
        let default = ::mediacore::codec::opus::OpusConfig::default();
        assert_eq!(by_name.opus_settings(), Some(OpusSettings::from(&default)));
        assert_eq!(by_name.opus_settings(), by_settings.opus_settings());
        assert_eq!(
            Encoder::new("PCMU".into(), 8000, 1)
                .unwrap()
                .opus_settings(),
            None
        );
    }
}
