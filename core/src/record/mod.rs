//! Call recording to any `Write + Seek`: WAV (through `hound`) or Ogg Opus, one leg, two legs
//! in stereo or mixed to mono, placed on the media timeline so legs stay aligned.

mod error;

pub use error::RecordError;
