//! mediacore for the browser: wasm-bindgen classes over the core, for pages and AudioWorklets.
//!
//! The classes mirror the core one to one and translate only types and errors: PCM goes in
//! and out as `Int16Array`, payloads and datagrams as `Uint8Array`, time as a JS number of
//! microseconds on the caller's monotonic clock (e.g. `performance.now() * 1000`), and every
//! core error is thrown as a JS `Error` whose message is the core error's text. The binding
//! never reads a clock: `std::time::Instant::now()` traps on `wasm32-unknown-unknown`.
//!
//! - [`Encoder`] / [`Decoder`]: one codec, PCM to payload and back; Opus settings, loss
//!   concealment and FEC recovery.
//! - [`Transcoder`]: payloads of one codec, rate and channel count to another.
//! - [`MediaSession`]: the per-call pipeline, driven with `handle*` / `poll*` calls; its
//!   jitter buffer, quality reports, RTCP and DTMF are set with a `SessionOptions` object;
//!   it sends and receives RFC 4733 telephone-events and collects digits.
//! - [`DtmfDetector`], [`generate_dtmf`], [`generate_tone`]: in-band DTMF detection, DTMF and
//!   call-progress tone generation.
//! - [`Prompt`], [`Player`], [`PlayCollectConfig`], [`PlayAndCollect`]: prompt audio, one
//!   call's prompt queue, and IVR menus (prompts, digit collection and retries); a session
//!   plays prompts and runs play-and-collect itself too.
//! - [`Recorder`], `Prompt.decode`, [`PromptCache`]: recordings (WAV or Ogg Opus, into
//!   memory) and prompt files (WAV, MP3, FLAC, Ogg Vorbis, Ogg Opus); a session records its
//!   call itself too.
//! - [`Conference`]: participants that are sessions (each with `MediaSession`'s arguments),
//!   mixed by one clock so that each hears everyone but itself; speaker events, mute, deaf,
//!   whisper and exclusions, and a recording of the mix.
//!
//! `js/` holds what an AudioWorklet needs besides the generated glue (a UTF-8 text codec
//! polyfill and a complete softphone processor); `docs/api-wasm.md` is the user guide.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod args;
mod codec;
mod conference;
mod dtmf;
mod options;
mod opus;
mod playback;
mod record;
mod session;
mod session_options;
mod transcode;
mod voice;

pub use codec::{Decoder, Encoder};
pub use conference::Conference;
pub use dtmf::{DtmfDetector, generate_dtmf, generate_tone};
pub use playback::{PlayAndCollect, PlayCollectConfig, Player, Prompt};
pub use record::{PromptCache, Recorder};
pub use session::MediaSession;
pub use transcode::Transcoder;

/// The trimmed, non-empty lines of `export interface {name} { ... }` in the TypeScript `ts`,
/// for tests that check a custom section against the core.
#[cfg(test)]
fn typescript_interface<'a>(ts: &'a str, name: &str) -> Vec<&'a str> {
    ts.split(&format!("export interface {name} {{"))
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .unwrap_or_else(|| panic!("no interface {name}"))
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
}

/// The optional keys (`name?: type;`) of `export interface {name}` in the TypeScript `ts`, in
/// order, doc comment lines left out: what a test compares with the keys an options parser
/// knows.
#[cfg(test)]
fn typescript_optional_keys<'a>(ts: &'a str, name: &str) -> Vec<&'a str> {
    typescript_interface(ts, name)
        .into_iter()
        .filter(|line| !line.starts_with("/**") && !line.starts_with('*'))
        .filter_map(|line| line.split_once("?:").map(|(key, _)| key))
        .collect()
}
