//! `Encoder` and `Decoder`: one codec instance each, built from an SDP encoding name.

use std::sync::Mutex;

use crate::{MediaError, lock};

/// Writes an object over one core coder with its constructor and the `codec`, `sample_rate`
/// and `channels` methods that [`mediacore::CodecInfo`] answers for both directions; each
/// object adds its coding method in an exported `impl` block of its own.
macro_rules! coder_object {
    (
        $(#[doc = $doc:tt])*
        $object:ident: $core:ident from $factory:path;
        $(#[doc = $new_doc:tt])*
        new;
        sample_rate: $rate_doc:literal;
        channels: $channels_doc:literal;
    ) => {
        $(#[doc = $doc])*
        #[derive(uniffi::Object)]
        pub struct $object {
            inner: Mutex<Box<dyn ::mediacore::$core>>,
        }

        #[uniffi::export]
        impl $object {
            $(#[doc = $new_doc])*
            #[uniffi::constructor]
            pub fn new(codec: String, sample_rate: u32, channels: u16) -> Result<Self, MediaError> {
                let codec = ::mediacore::Codec::from_name(&codec)?;
                Ok($object {
                    inner: Mutex::new($factory(codec, sample_rate, channels)?),
                })
            }

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
    Encoder: Encoder from ::mediacore::new_encoder;
    /// An encoder for an SDP encoding name ("PCMU", "PCMA"; case-insensitive) taking PCM
    /// at `sample_rate` Hz with `channels` interleaved channels.
    new;
    sample_rate: "Input sample rate in Hz.";
    channels: "Input channels (interleaved).";
}

#[uniffi::export]
impl Encoder {
    /// Encodes interleaved samples and returns the payload.
    pub fn encode(&self, pcm: Vec<i16>) -> Result<Vec<u8>, MediaError> {
        let mut encoder = lock(&self.inner);
        let mut out = vec![0u8; encoder.max_payload_len(pcm.len())];
        let len = encoder.encode(&pcm, &mut out)?;
        out.truncate(len);
        Ok(out)
    }
}

coder_object! {
    /// Decodes codec payload into interleaved 16-bit PCM.
    Decoder: Decoder from ::mediacore::new_decoder;
    /// A decoder for an SDP encoding name producing PCM at `sample_rate` Hz with
    /// `channels` interleaved channels.
    new;
    sample_rate: "Output sample rate in Hz.";
    channels: "Output channels (interleaved).";
}

#[uniffi::export]
impl Decoder {
    /// Decodes one payload into interleaved samples.
    pub fn decode(&self, payload: Vec<u8>) -> Result<Vec<i16>, MediaError> {
        let mut decoder = lock(&self.inner);
        let mut out = vec![0i16; decoder.max_decoded_len(payload.len())];
        let len = decoder.decode(&payload, &mut out)?;
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
}
