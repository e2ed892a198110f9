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

/// Encodes interleaved 16-bit PCM into codec payload.
#[wasm_bindgen]
pub struct Encoder {
    inner: Box<dyn mediacore::Encoder>,
}

#[wasm_bindgen]
impl Encoder {
    /// An encoder for the SDP encoding name `codec` (case-insensitive, e.g. "PCMU", "PCMA")
    /// taking PCM at `sampleRate` Hz with `channels` interleaved channels.
    #[wasm_bindgen(constructor)]
    pub fn new(
        codec: &str,
        #[wasm_bindgen(js_name = sampleRate)] sample_rate: f64,
        channels: f64,
    ) -> Result<Encoder, JsError> {
        let (codec, sample_rate, channels) = lookup(codec, sample_rate, channels)?;
        Ok(Encoder {
            inner: mediacore::new_encoder(codec, sample_rate, channels)?,
        })
    }

    /// Encodes interleaved PCM and returns the payload bytes.
    pub fn encode(&mut self, pcm: &[i16]) -> Result<Vec<u8>, JsError> {
        let mut out = vec![0; self.inner.max_payload_len(pcm.len())];
        let len = self.inner.encode(pcm, &mut out)?;
        out.truncate(len);
        Ok(out)
    }

    /// The SDP encoding name, e.g. "PCMU".
    #[wasm_bindgen(getter)]
    pub fn codec(&self) -> String {
        self.inner.codec().name().to_owned()
    }

    /// Input sample rate in Hz.
    #[wasm_bindgen(getter, js_name = sampleRate)]
    pub fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    /// Input channels (interleaved).
    #[wasm_bindgen(getter)]
    pub fn channels(&self) -> u16 {
        self.inner.channels()
    }
}

/// Decodes codec payload into interleaved 16-bit PCM.
#[wasm_bindgen]
pub struct Decoder {
    inner: Box<dyn mediacore::Decoder>,
}

#[wasm_bindgen]
impl Decoder {
    /// A decoder for the SDP encoding name `codec` (case-insensitive, e.g. "PCMU", "PCMA")
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
        let mut out = vec![0; self.inner.max_decoded_len(payload.len())];
        let len = self.inner.decode(payload, &mut out)?;
        out.truncate(len);
        Ok(out)
    }

    /// The SDP encoding name, e.g. "PCMA".
    #[wasm_bindgen(getter)]
    pub fn codec(&self) -> String {
        self.inner.codec().name().to_owned()
    }

    /// Output sample rate in Hz.
    #[wasm_bindgen(getter, js_name = sampleRate)]
    pub fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    /// Output channels (interleaved).
    #[wasm_bindgen(getter)]
    pub fn channels(&self) -> u16 {
        self.inner.channels()
    }
}
