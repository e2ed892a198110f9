//! `Encoder` and `Decoder`: one codec at a time, PCM (`Int16Array`) to payload (`Uint8Array`)
//! and back, built by the core's factories from an SDP encoding name.

use mediacore::Codec;
use wasm_bindgen::prelude::*;

use crate::args;

/// Resolves an SDP encoding name and the numeric shape arguments shared by both classes.
fn lookup(codec: &str, sample_rate: f64, channels: f64) -> Result<(Codec, u32, u16), JsError> {
    let codec = Codec::from_name(codec)?;
    let sample_rate = args::integer("sampleRate", sample_rate, u32::MAX)?;
    let channels = args::integer("channels", channels, u16::MAX)?;
    Ok((codec, sample_rate, channels))
}

/// Writes a class over one core coder with its constructor and the `codec`, `sampleRate` and
/// `channels` getters that [`mediacore::CodecInfo`] answers for both directions; each class
/// adds its coding method in an `impl` block of its own.
///
/// The docs are plain string literals: wasm-bindgen copies those into the TypeScript
/// declarations, but not the raw strings that `///` comments become inside a macro.
macro_rules! coder_class {
    (
        $class:ident: $core:ident from $factory:path;
        class: $($doc:literal)+;
        new: $($new_doc:literal)+;
        codec: $codec_doc:literal;
        sample_rate: $rate_doc:literal;
        channels: $channels_doc:literal;
    ) => {
        $(#[doc = $doc])+
        #[wasm_bindgen]
        pub struct $class {
            inner: Box<dyn mediacore::$core>,
        }

        #[wasm_bindgen]
        impl $class {
            $(#[doc = $new_doc])+
            #[wasm_bindgen(constructor)]
            pub fn new(
                codec: &str,
                #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
                channels: f64,
            ) -> Result<$class, JsError> {
                let (codec, sample_rate, channels) = lookup(codec, sample_rate, channels)?;
                Ok($class {
                    inner: $factory(codec, sample_rate, channels)?,
                })
            }

            #[doc = $codec_doc]
            #[wasm_bindgen(getter)]
            pub fn codec(&self) -> String {
                self.inner.codec().name().to_owned()
            }

            #[doc = $rate_doc]
            #[wasm_bindgen(getter, js_name = sampleRate)]
            pub fn sample_rate(&self) -> u32 {
                self.inner.sample_rate()
            }

            #[doc = $channels_doc]
            #[wasm_bindgen(getter)]
            pub fn channels(&self) -> u16 {
                self.inner.channels()
            }
        }
    };
}

coder_class! {
    Encoder: Encoder from mediacore::new_encoder;
    class: " Encodes interleaved 16-bit PCM into codec payload.";
    new: " An encoder for the SDP encoding name `codec` (case-insensitive, e.g. \"PCMU\", \"PCMA\")"
        " taking PCM at `sampleRate` Hz with `channels` interleaved channels.";
    codec: " The SDP encoding name, e.g. \"PCMU\".";
    sample_rate: " Input sample rate in Hz.";
    channels: " Input channels (interleaved).";
}

#[wasm_bindgen]
impl Encoder {
    /// Encodes interleaved PCM and returns the payload bytes.
    pub fn encode(&mut self, pcm: &[i16]) -> Result<Vec<u8>, JsError> {
        let mut out = vec![0; self.inner.max_payload_len(pcm.len())];
        let len = self.inner.encode(pcm, &mut out)?;
        out.truncate(len);
        Ok(out)
    }
}

coder_class! {
    Decoder: Decoder from mediacore::new_decoder;
    class: " Decodes codec payload into interleaved 16-bit PCM.";
    new: " A decoder for the SDP encoding name `codec` (case-insensitive, e.g. \"PCMU\", \"PCMA\")"
        " producing PCM at `sampleRate` Hz with `channels` interleaved channels.";
    codec: " The SDP encoding name, e.g. \"PCMA\".";
    sample_rate: " Output sample rate in Hz.";
    channels: " Output channels (interleaved).";
}

#[wasm_bindgen]
impl Decoder {
    /// Decodes one payload and returns the interleaved PCM.
    pub fn decode(&mut self, payload: &[u8]) -> Result<Vec<i16>, JsError> {
        let mut out = vec![0; self.inner.max_decoded_len(payload.len())];
        let len = self.inner.decode(payload, &mut out)?;
        out.truncate(len);
        Ok(out)
    }
}
