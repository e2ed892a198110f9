//! DTMF: the sixteen keys ([`Digit`]), RFC 4733 telephone-events, in-band detection,
//! generation and digit collection.

pub mod detect;
pub mod digit;
pub mod event;

pub use detect::{DetectedDigit, DtmfDetector};
pub use digit::{COLUMN_HZ, Digit, ROW_HZ};
pub use event::{
    DtmfEvent, EndReason, EventPacket, ReceiverConfig, ReceiverStats, SenderConfig, TelephoneEvent,
    TelephoneEventReceiver, TelephoneEventSender,
};
