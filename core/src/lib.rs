//! `mediacore`: a sans-IO telephony media engine.
//!
//! Everything here is a state machine that takes input through `handle_*` calls and gives
//! output through `poll_*` calls. It owns no socket, clock, thread or file: the host passes
//! the time (`now`, an [`Instant`]) into each call and moves the bytes. The same code runs in
//! a browser (WASM), in Python, in mobile apps and in the native media server.
//!
//! The whole driving loop, as any host runs it:
//!
//! ```
//! use core::time::Duration;
//! use mediacore::{AudioFrame, Codec, Instant, MediaSession, SessionConfig};
//!
//! let mut session = MediaSession::new(SessionConfig::new(Codec::Pcmu))?;
//! let mut now = Instant::ZERO;
//! # let received: Vec<Vec<u8>> = Vec::new();
//! # let received_rtcp: Vec<Vec<u8>> = Vec::new();
//! # let mic = AudioFrame::silence(8000, 1, Duration::from_millis(20))?;
//! for _tick in 0..3 {
//!     for datagram in &received {
//!         // Bad packets are reported and change nothing.
//!         if let Err(e) = session.handle_rtp(now, datagram) {
//!             eprintln!("dropped a packet: {e}");
//!         }
//!     }
//!     for datagram in &received_rtcp {
//!         let _ = session.handle_rtcp(now, datagram); // reports, round trip, BYE
//!     }
//!     session.push_capture(now, &mic)?;
//!     while let Some(datagram) = session.poll_transmit(now) {
//!         let _ = datagram; // send it
//!     }
//!     // The jitter buffer decodes, conceals and paces what arrived.
//!     let _speaker = session.pull_playout(now);
//!     session.handle_timeout(now);
//!     if let Some(report) = session.poll_rtcp(now) {
//!         let _ = report; // send it to the RTCP address
//!     }
//!     while let Some(_event) = session.poll_event() {} // incl. Event::Quality every 5 s
//!     now = session.poll_timeout().unwrap_or(now + Duration::from_millis(20));
//! }
//! # Ok::<(), mediacore::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod codec;
pub mod dsp;
pub mod dtmf;
pub mod error;
pub mod frame;
pub mod ivr;
pub mod jitter;
pub mod mixer;
pub mod playback;
pub mod quality;
pub mod record;
pub mod rng;
pub mod rtcp;
pub mod rtp;
pub mod sdp;
pub mod session;
pub mod time;
pub mod tones;
pub mod transcode;
pub mod voice;

pub use codec::{Codec, CodecInfo, Decoder, Encoder, new_decoder, new_encoder, new_packet_encoder};
pub use error::{CodecError, Error, FrameError, Result, RtcpError, RtpError};
pub use frame::AudioFrame;
pub use jitter::{JitterConfig, JitterMode, JitterStats};
pub use mixer::{
    Conference, ConferenceConfig, ConferenceEvent, Mixer, ParticipantId, ParticipantOptions,
};
pub use quality::{CodecImpairment, EModelInput, EModelReport, LossPattern};
pub use session::{
    DtmfSendConfig, Event, MediaSession, QualityReport, RecordTarget, RtcpConfig, RtcpStats,
    SessionConfig, SessionStats, VoiceDirection, VoiceLevel, VoiceSettings, VoiceSettingsError,
    VoiceStage, VoiceStages,
};
pub use time::{Instant, MediaTime};
pub use transcode::{CodecFormat, Transcoder};
