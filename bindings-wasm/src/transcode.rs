//! `Transcoder`: payloads (`Uint8Array`) of one codec format in, payloads of another out.

use js_sys::Uint8Array;
use mediacore::{Codec, CodecFormat};
use wasm_bindgen::prelude::*;

use crate::args;
use crate::opus::options_from_js;

/// One side of a transcoder from JS arguments named `prefix` + `Rate` / `Channels`.
fn format(
    prefix: &str,
    codec: &str,
    sample_rate: f64,
    channels: f64,
) -> Result<CodecFormat, JsError> {
    Ok(CodecFormat {
        codec: Codec::from_name(codec)?,
        sample_rate: args::integer(&format!("{prefix}Rate"), sample_rate, u32::MAX)?,
        channels: args::integer(&format!("{prefix}Channels"), channels, u16::MAX)?,
    })
}

/// Converts a stream of payloads from one codec, rate and channel count to another:
/// decode, remix, resample, re-frame to the output packet time and encode.
#[wasm_bindgen]
pub struct Transcoder {
    inner: mediacore::Transcoder,
}

#[wasm_bindgen]
impl Transcoder {
    /// A transcoder from `inputCodec` at `inputRate` Hz with `inputChannels` to
    /// `outputCodec` at `outputRate` Hz with `outputChannels`, in payloads of
    /// `outputPtimeMs` (default 20). `opus` sets the output encoder when the output is
    /// Opus; its frame duration is `outputPtimeMs` (10, 20, 40 or 60), so it has no `frameMs`.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)] // two formats, the packet time and the Opus options
    pub fn new(
        #[wasm_bindgen(js_name = inputCodec)] input_codec: &str,
        #[wasm_bindgen(js_name = inputRate)] input_rate: f64,
        #[wasm_bindgen(js_name = inputChannels)] input_channels: f64,
        #[wasm_bindgen(js_name = outputCodec)] output_codec: &str,
        #[wasm_bindgen(js_name = outputRate)] output_rate: f64,
        #[wasm_bindgen(js_name = outputChannels)] output_channels: f64,
        #[wasm_bindgen(js_name = outputPtimeMs, unchecked_optional_param_type = "number")]
        output_ptime_ms: Option<f64>,
        #[wasm_bindgen(unchecked_optional_param_type = "OpusOptions")] opus: JsValue,
    ) -> Result<Transcoder, JsError> {
        let input = format("input", input_codec, input_rate, input_channels)?;
        let output = format("output", output_codec, output_rate, output_channels)?;
        let ptime = args::duration_ms("outputPtimeMs", output_ptime_ms.unwrap_or(20.0))?;
        let opus = options_from_js(&opus)?.resolve(output.codec, Some("outputPtimeMs"))?;
        Ok(Transcoder {
            inner: mediacore::Transcoder::with_opus_config(input, output, ptime, opus)?,
        })
    }

    /// Decodes one input payload and encodes every output payload it completes; throws for
    /// a payload the input decoder refuses, leaving the transcoder as it was.
    pub fn push(&mut self, payload: &[u8]) -> Result<(), JsError> {
        Ok(self.inner.push(payload)?)
    }

    /// The next output payload, oldest first; `undefined` when there is none.
    #[wasm_bindgen(js_name = pollPayload)]
    pub fn poll_payload(&mut self) -> Option<Vec<u8>> {
        self.inner.poll_payload().map(<[u8]>::to_vec)
    }

    /// `push(payload)`, then every output payload ready, oldest first.
    pub fn transcode(&mut self, payload: &[u8]) -> Result<Vec<Uint8Array>, JsError> {
        self.inner.push(payload)?;
        let mut out = Vec::new();
        while let Some(payload) = self.inner.poll_payload() {
            out.push(Uint8Array::from(payload));
        }
        Ok(out)
    }

    /// The SDP encoding name of the input codec.
    #[wasm_bindgen(getter, js_name = inputCodec)]
    pub fn input_codec(&self) -> String {
        self.inner.input().codec.name().to_owned()
    }

    /// Input sample rate in Hz.
    #[wasm_bindgen(getter, js_name = inputRate)]
    pub fn input_rate(&self) -> u32 {
        self.inner.input().sample_rate
    }

    /// Input channels.
    #[wasm_bindgen(getter, js_name = inputChannels)]
    pub fn input_channels(&self) -> u16 {
        self.inner.input().channels
    }

    /// The SDP encoding name of the output codec.
    #[wasm_bindgen(getter, js_name = outputCodec)]
    pub fn output_codec(&self) -> String {
        self.inner.output().codec.name().to_owned()
    }

    /// Output sample rate in Hz.
    #[wasm_bindgen(getter, js_name = outputRate)]
    pub fn output_rate(&self) -> u32 {
        self.inner.output().sample_rate
    }

    /// Output channels.
    #[wasm_bindgen(getter, js_name = outputChannels)]
    pub fn output_channels(&self) -> u16 {
        self.inner.output().channels
    }

    /// Output payloads dropped because they were not polled in time.
    #[wasm_bindgen(getter)]
    pub fn dropped(&self) -> f64 {
        args::count(self.inner.dropped())
    }

    /// Samples per channel by which the output lags the input, from resampling.
    #[wasm_bindgen(getter, js_name = resamplerDelay)]
    pub fn resampler_delay(&self) -> usize {
        self.inner.resampler_delay()
    }
}
