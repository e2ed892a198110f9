//! `Encoder` and `Decoder`: one codec at a time, PCM (`Int16Array`) to payload (`Uint8Array`)
//! and back, built from an SDP encoding name.

use mediacore::Codec;
use wasm_bindgen::prelude::*;

use crate::args;
use crate::opus::{AnyDecoder, AnyEncoder, OpusOptions, settings_object};

/// Resolves an SDP encoding name and the numeric shape arguments shared by both classes.
fn lookup(codec: &str, sample_rate: f64, channels: f64) -> Result<(Codec, u32, u16), JsError> {
    let codec = Codec::from_name(codec)?;
    let sample_rate = args::integer("sampleRate", sample_rate, u32::MAX)?;
    let channels = args::integer("channels", channels, u16::MAX)?;
    Ok((codec, sample_rate, channels))
}

/// Writes a class over one core coder (an [`AnyEncoder`] or [`AnyDecoder`]) with the `codec`,
/// `sampleRate` and `channels` getters that [`mediacore::CodecInfo`] answers for both
/// directions; each class adds its constructor and coding methods in an `impl` block of its
/// own.
///
/// The docs are plain string literals: wasm-bindgen copies those into the TypeScript
/// declarations, but not the raw strings that `///` comments become inside a macro.
macro_rules! coder_class {
    (
        $class:ident over $any:ident;
        class: $($doc:literal)+;
        codec: $codec_doc:literal;
        sample_rate: $rate_doc:literal;
        channels: $channels_doc:literal;
    ) => {
        $(#[doc = $doc])+
        #[wasm_bindgen]
        pub struct $class {
            inner: $any,
        }

        #[wasm_bindgen]
        impl $class {
            #[doc = $codec_doc]
            #[wasm_bindgen(getter)]
            pub fn codec(&self) -> String {
                self.inner.info().codec().name().to_owned()
            }

            #[doc = $rate_doc]
            #[wasm_bindgen(getter, js_name = sampleRate)]
            pub fn sample_rate(&self) -> u32 {
                self.inner.info().sample_rate()
            }

            #[doc = $channels_doc]
            #[wasm_bindgen(getter)]
            pub fn channels(&self) -> u16 {
                self.inner.info().channels()
            }
        }
    };
}

coder_class! {
    Encoder over AnyEncoder;
    class: " Encodes interleaved 16-bit PCM into codec payload.";
    codec: " The SDP encoding name, e.g. \"PCMU\".";
    sample_rate: " Input sample rate in Hz.";
    channels: " Input channels (interleaved).";
}

#[wasm_bindgen]
impl Encoder {
    /// An encoder for the SDP encoding name `codec` (case-insensitive: "PCMU", "PCMA",
    /// "G722", "opus", "L16", "CN") taking PCM at `sampleRate` Hz with `channels`
    /// interleaved channels. `opus` sets the Opus encoder; what it leaves out keeps the
    /// engine's default (see `opusSettings`). Giving it for another codec is an error.
    #[wasm_bindgen(constructor)]
    pub fn new(
        codec: &str,
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
        channels: f64,
        #[wasm_bindgen(unchecked_optional_param_type = "OpusOptions")] opus: JsValue,
    ) -> Result<Encoder, JsError> {
        let (codec, sample_rate, channels) = lookup(codec, sample_rate, channels)?;
        let opus = OpusOptions::from_js(&opus, None)?.config(codec)?;
        Ok(Encoder {
            inner: AnyEncoder::new(codec, sample_rate, channels, opus)?,
        })
    }

    /// The Opus settings in force; `undefined` for another codec.
    #[wasm_bindgen(getter, js_name = opusSettings, unchecked_return_type = "OpusSettings | undefined")]
    pub fn opus_settings(&self) -> JsValue {
        self.inner
            .opus_config()
            .map_or(JsValue::UNDEFINED, settings_object)
    }

    /// Encodes interleaved PCM and returns the payload bytes. Opus takes exactly one frame
    /// of `frameMs`.
    pub fn encode(&mut self, pcm: &[i16]) -> Result<Vec<u8>, JsError> {
        let encoder = self.inner.coder();
        let mut out = vec![0; encoder.max_payload_len(pcm.len())];
        let len = encoder.encode(pcm, &mut out)?;
        out.truncate(len);
        Ok(out)
    }
}

coder_class! {
    Decoder over AnyDecoder;
    class: " Decodes codec payload into interleaved 16-bit PCM.";
    codec: " The SDP encoding name, e.g. \"PCMA\".";
    sample_rate: " Output sample rate in Hz.";
    channels: " Output channels (interleaved).";
}

#[wasm_bindgen]
impl Decoder {
    /// A decoder for the SDP encoding name `codec` (case-insensitive, e.g. "PCMU", "opus")
    /// producing PCM at `sampleRate` Hz with `channels` interleaved channels.
    #[wasm_bindgen(constructor)]
    pub fn new(
        codec: &str,
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
        channels: f64,
    ) -> Result<Decoder, JsError> {
        let (codec, sample_rate, channels) = lookup(codec, sample_rate, channels)?;
        Ok(Decoder {
            inner: AnyDecoder::new(codec, sample_rate, channels)?,
        })
    }

    /// Decodes one payload and returns the interleaved PCM.
    pub fn decode(&mut self, payload: &[u8]) -> Result<Vec<i16>, JsError> {
        let decoder = self.inner.coder();
        let mut out = vec![0; decoder.max_decoded_len(payload.len())];
        let len = decoder.decode(payload, &mut out)?;
        out.truncate(len);
        Ok(out)
    }

    /// Opus only: `samplesPerChannel` samples (2.5 ms steps, up to 120 ms) in place of a
    /// lost packet, extrapolated by the decoder's packet loss concealment.
    pub fn conceal(
        &mut self,
        #[wasm_bindgen(js_name = samplesPerChannel)] samples_per_channel: f64,
    ) -> Result<Vec<i16>, JsError> {
        let samples = args::integer("samplesPerChannel", samples_per_channel, u32::MAX)?;
        let decoder = self.inner.opus("conceal")?;
        // Room for the longest concealment; the core checks the duration.
        let mut out = vec![0; mediacore::Decoder::max_decoded_len(decoder, 1)];
        let len = decoder.conceal(samples as usize, &mut out)?;
        out.truncate(len);
        Ok(out)
    }

    /// Opus only: rebuilds a lost packet of `samplesPerChannel` samples from the in-band
    /// FEC in `nextPayload`, the packet after the loss (decode that one afterwards);
    /// concealment where it carries none.
    #[wasm_bindgen(js_name = decodeFec)]
    pub fn decode_fec(
        &mut self,
        #[wasm_bindgen(js_name = nextPayload)] next_payload: &[u8],
        #[wasm_bindgen(js_name = samplesPerChannel)] samples_per_channel: f64,
    ) -> Result<Vec<i16>, JsError> {
        let samples = args::integer("samplesPerChannel", samples_per_channel, u32::MAX)?;
        let decoder = self.inner.opus("decodeFec")?;
        let mut out = vec![0; mediacore::Decoder::max_decoded_len(decoder, 1)];
        let len = decoder.decode_fec(next_payload, samples as usize, &mut out)?;
        out.truncate(len);
        Ok(out)
    }
}
