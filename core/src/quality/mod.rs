//! Call quality estimated with the ITU-T G.107 E-model, from what a receiver measures.
//!
//! - [`burst`]: [`LossPattern`], per-packet outcomes counted into the loss percentage and
//!   the G.107 burst ratio.
//! - [`emodel`]: [`EModelInput`] (codec impairment, loss, burst ratio, one-way delay) rated
//!   into R and MOS ([`evaluate`], [`r_factor`], [`mos_from_r`]), and [`CodecImpairment`],
//!   the G.113 `Ie`/`Bpl` values of each codec on the narrowband scale.
//!
//! From a receive stream to a score:
//!
//! ```
//! use core::time::Duration;
//! use mediacore::Codec;
//! use mediacore::quality::{CodecImpairment, EModelInput, LossPattern, evaluate};
//!
//! let mut pattern = LossPattern::new();
//! for seq in 0..1000 {
//!     pattern.record(seq % 50 != 0); // every 50th packet lost: 2% random loss
//! }
//! pattern.record_lost(3); // a gap of three sequence numbers
//!
//! let codec = CodecImpairment::for_codec(Codec::Pcmu, 8000, None);
//! let input = EModelInput::new(
//!     codec,
//!     pattern.loss_percent(),
//!     pattern.burst_ratio(),
//!     Duration::from_millis(80), // network + jitter buffer + packetization
//! );
//! let report = evaluate(&input)?;
//! assert!(report.r > 80.0 && report.r < 93.2);
//! assert!(report.mos > 4.0 && report.mos < 4.41);
//! # Ok::<(), mediacore::Error>(())
//! ```

pub mod burst;
pub mod emodel;

pub use burst::LossPattern;
pub use emodel::{CodecImpairment, EModelInput, EModelReport, evaluate, mos_from_r, r_factor};
