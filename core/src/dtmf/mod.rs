//! DTMF: the sixteen keys ([`Digit`]), RFC 4733 telephone-events, in-band detection,
//! generation and digit collection.

pub mod digit;

pub use digit::{COLUMN_HZ, Digit, ROW_HZ};
