//! `Encoder` and `Decoder`: one codec at a time, PCM (`Int16Array`) to payload (`Uint8Array`)
//! and back, built from an SDP encoding name.

use mediacore::Codec;
use mediacore::codec::new_encoder_with;
use mediacore::codec::opus::OpusConfig;
use wasm_bindgen::prelude::*;

use crate::args;
use crate::opus::{options_from_js, settings_object};

/// Resolves an SDP encoding name and the numeric shape arguments shared by both classes.
fn lookup(codec: &str, sample_rate: f64, channels: f64) -> Result<(Codec, u32, u16), JsError> {
    let codec = Codec::from_name(codec)?;
    let sample_rate = args::integer("sampleRate", sample_rate, u32::MAX)?;
    let channels = args::integer("channels", channels, u16::MAX)?;
    Ok((codec, sample_rate, channels))
}

/// Runs `code` on `room` zeros and keeps what it wrote: the output of one encode, decode or
/// concealment.
fn coded<T: Copy + Default>(
    room: usize,
    code: impl FnOnce(&mut [T]) -> Result<usize, mediacore::Error>,
) -> Result<Vec<T>, JsError> {
    let mut out = vec![T::default(); room];
    let len = code(&mut out)?;
    out.truncate(len);
    Ok(out)
}

/// Room for the `samples_per_channel` samples `decoder` makes up for a lost packet: what is
/// asked for, up to 120 ms at 48 kHz in stereo (the longest Opus packet, RFC 6716 §3.2.5, and
/// the longest concealment of any codec); the core refuses a longer duration itself.
fn concealment_room(decoder: &dyn mediacore::Decoder, samples_per_channel: usize) -> usize {
    const MOST: usize = 48_000 * 120 / 1000 * 2;
    samples_per_channel
        .saturating_mul(usize::from(decoder.channels()))
        .min(MOST)
}

/// Writes a class over one core coder (a `Box<dyn Encoder>` or `Box<dyn Decoder>`, with any
/// further fields the class keeps) with the `codec`, `sampleRate` and `channels` getters that
/// [`mediacore::CodecInfo`] answers for both directions; each class adds its constructor and
/// coding methods in an `impl` block of its own.
///
/// The docs are plain string literals: wasm-bindgen copies those into the TypeScript
/// declarations, but not the raw strings that `///` comments become inside a macro.
macro_rules! coder_class {
    (
        $class:ident over $coder:ident { $($field:ident: $field_ty:ty),* }
        class: $($doc:literal)+;
        codec: $codec_doc:literal;
        sample_rate: $rate_doc:literal;
        channels: $channels_doc:literal;
    ) => {
        $(#[doc = $doc])+
        #[wasm_bindgen]
        pub struct $class {
            inner: Box<dyn mediacore::$coder>,
            $($field: $field_ty,)*
        }

        #[wasm_bindgen]
        impl $class {
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
    Encoder over Encoder { opus: Option<OpusConfig> }
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
        let opus = options_from_js(&opus)?.resolve(codec, None)?;
        Ok(Encoder {
            inner: new_encoder_with(codec, sample_rate, channels, opus)?,
            opus: (codec == Codec::Opus).then_some(opus),
        })
    }

    /// The Opus settings in force; `undefined` for another codec.
    #[wasm_bindgen(getter, js_name = opusSettings, unchecked_return_type = "OpusSettings | undefined")]
    pub fn opus_settings(&self) -> JsValue {
        self.opus
            .as_ref()
            .map_or(JsValue::UNDEFINED, settings_object)
    }

    /// Encodes interleaved PCM and returns the payload bytes. Opus takes exactly one frame
    /// of `frameMs`.
    pub fn encode(&mut self, pcm: &[i16]) -> Result<Vec<u8>, JsError> {
        let room = self.inner.max_payload_len(pcm.len());
        coded(room, |out| self.inner.encode(pcm, out))
    }
}

coder_class! {
    Decoder over Decoder {}
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
            inner: mediacore::new_decoder(codec, sample_rate, channels)?,
        })
    }

    /// Decodes one payload and returns the interleaved PCM.
    pub fn decode(&mut self, payload: &[u8]) -> Result<Vec<i16>, JsError> {
        let room = self.inner.max_decoded_len(payload.len());
        coded(room, |out| self.inner.decode(payload, out))
    }

    /// `samplesPerChannel` samples (Opus: 2.5 ms steps, up to 120 ms) in place of a lost
    /// packet, extrapolated by the decoder's loss concealment; throws for a codec without.
    pub fn conceal(
        &mut self,
        #[wasm_bindgen(js_name = samplesPerChannel)] samples_per_channel: f64,
    ) -> Result<Vec<i16>, JsError> {
        let samples = args::integer("samplesPerChannel", samples_per_channel, u32::MAX)? as usize;
        let room = concealment_room(self.inner.as_ref(), samples);
        coded(room, |out| self.inner.conceal(samples, out))
    }

    /// Rebuilds a lost packet of `samplesPerChannel` samples from the in-band FEC in
    /// `nextPayload`, the packet after the loss (decode that one afterwards); concealment
    /// where it carries none. Throws for a codec without in-band FEC (all but Opus).
    #[wasm_bindgen(js_name = decodeFec)]
    pub fn decode_fec(
        &mut self,
        #[wasm_bindgen(js_name = nextPayload)] next_payload: &[u8],
        #[wasm_bindgen(js_name = samplesPerChannel)] samples_per_channel: f64,
    ) -> Result<Vec<i16>, JsError> {
        let samples = args::integer("samplesPerChannel", samples_per_channel, u32::MAX)? as usize;
        let room = concealment_room(self.inner.as_ref(), samples);
        coded(room, |out| {
            self.inner.decode_fec(next_payload, samples, out)
        })
    }
}
