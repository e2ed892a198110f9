//! Signal processing on interleaved `i16` PCM between the codecs and the rest of the call.
//!
//! - [`resample`]: band-limited sample-rate conversion between the telephony rates, with
//!   state carried across frames, a known delay, and no allocation after construction.
//! - [`channels`]: mono/stereo up- and down-mixing.
//! - [`halfband`]: a sample-by-sample 2:1 decimator for decoders that must return each
//!   packet's audio at once (Opus at 8 and 12 kHz).
//! - [`plc`]: waveform loss concealment (ITU-T G.711 Appendix I style) for the codecs
//!   without one of their own.
//! - [`timestretch`]: removes or inserts one pitch period (WSOLA), for the jitter buffer to
//!   change its delay without dropping or inserting frames.
//!
//! Every stage writes into a caller-owned output buffer and says up front how many samples
//! it will write, so that the per-frame path does not allocate.

pub mod channels;
pub mod halfband;
pub mod plc;
pub mod resample;
pub mod timestretch;

pub use channels::{mono_to_stereo, stereo_to_mono};
pub use halfband::HalfbandDecimator;
pub use plc::WaveformPlc;
pub use resample::{ANY_RATE_RANGE, MAX_ANY_RATE_BLOCK, Quality, Resampler, SUPPORTED_RATES};
pub use timestretch::{Stretch, TimeStretch};
