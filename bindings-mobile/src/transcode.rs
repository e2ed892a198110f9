//! `Transcoder`: payloads of one codec format in, payloads of another out.

use core::time::Duration;
use std::sync::Mutex;

use ::mediacore::{Codec, CodecFormat};

use crate::opus::OpusSettings;
use crate::{MediaError, lock};

/// Converts a stream of payloads from one codec, rate and channel count to another:
/// decode, remix, resample, re-frame to the output packet time and encode.
#[derive(uniffi::Object)]
pub struct Transcoder {
    inner: Mutex<::mediacore::Transcoder>,
}

#[uniffi::export]
impl Transcoder {
    /// A transcoder from `input_codec` at `input_rate` Hz with `input_channels` to
    /// `output_codec` at `output_rate` Hz with `output_channels`, in payloads of
    /// `output_ptime_ms`. `opus` sets the output encoder when the output is Opus; its frame
    /// duration is `output_ptime_ms` (10, 20, 40 or 60), so `frame_ms` must stay `None`.
    #[uniffi::constructor(default(output_ptime_ms = 20, opus = None))]
    #[allow(clippy::too_many_arguments)] // two formats, the packet time and the Opus settings
    pub fn new(
        input_codec: String,
        input_rate: u32,
        input_channels: u16,
        output_codec: String,
        output_rate: u32,
        output_channels: u16,
        output_ptime_ms: u32,
        opus: Option<OpusSettings>,
    ) -> Result<Self, MediaError> {
        let input = CodecFormat {
            codec: Codec::from_name(&input_codec)?,
            sample_rate: input_rate,
            channels: input_channels,
        };
        let output = CodecFormat {
            codec: Codec::from_name(&output_codec)?,
            sample_rate: output_rate,
            channels: output_channels,
        };
        let opus = opus
            .unwrap_or_default()
            .resolve(output.codec, Some("output_ptime_ms"))?;
        let ptime = Duration::from_millis(u64::from(output_ptime_ms));
        let transcoder = ::mediacore::Transcoder::with_opus_config(input, output, ptime, opus)?;
        Ok(Transcoder {
            inner: Mutex::new(transcoder),
        })
    }

    /// Decodes one input payload and encodes every output payload it completes; a payload
    /// the input decoder refuses is an error and changes nothing.
    pub fn push(&self, payload: Vec<u8>) -> Result<(), MediaError> {
        Ok(lock(&self.inner).push(&payload)?)
    }

    /// The next output payload, oldest first, or `None`.
    pub fn poll_payload(&self) -> Option<Vec<u8>> {
        lock(&self.inner).poll_payload().map(<[u8]>::to_vec)
    }

    /// `push(payload)`, then every output payload ready, oldest first.
    pub fn transcode(&self, payload: Vec<u8>) -> Result<Vec<Vec<u8>>, MediaError> {
        let mut transcoder = lock(&self.inner);
        transcoder.push(&payload)?;
        let mut out = Vec::new();
        while let Some(payload) = transcoder.poll_payload() {
            out.push(payload.to_vec());
        }
        Ok(out)
    }

    /// The SDP encoding name of the input codec.
    pub fn input_codec(&self) -> String {
        lock(&self.inner).input().codec.name().to_owned()
    }

    /// Input sample rate in Hz.
    pub fn input_rate(&self) -> u32 {
        lock(&self.inner).input().sample_rate
    }

    /// Input channels.
    pub fn input_channels(&self) -> u16 {
        lock(&self.inner).input().channels
    }

    /// The SDP encoding name of the output codec.
    pub fn output_codec(&self) -> String {
        lock(&self.inner).output().codec.name().to_owned()
    }

    /// Output sample rate in Hz.
    pub fn output_rate(&self) -> u32 {
        lock(&self.inner).output().sample_rate
    }

    /// Output channels.
    pub fn output_channels(&self) -> u16 {
        lock(&self.inner).output().channels
    }

    /// Output payloads dropped because they were not polled in time.
    pub fn dropped(&self) -> u64 {
        lock(&self.inner).dropped()
    }

    /// Samples per channel by which the output lags the input, from resampling.
    pub fn resampler_delay(&self) -> u32 {
        // At most a resampler block at 48 kHz: far below u32::MAX.
        u32::try_from(lock(&self.inner).resampler_delay()).unwrap_or(u32::MAX)
    }
}
