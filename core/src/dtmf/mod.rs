//! DTMF: the sixteen keys ([`Digit`]), RFC 4733 telephone-events, in-band detection,
//! generation and digit collection.

pub mod collect;
pub mod detect;
pub mod digit;
pub mod event;

pub use collect::{
    CollectConfig, CollectReason, Collected, DigitCollector, DigitSource, Digits,
    MAX_COLLECT_DIGITS, Push, Terminators,
};
pub use detect::{DetectedDigit, DtmfDetector};
pub use digit::{COLUMN_HZ, Digit, ROW_HZ};
pub use event::{
    DtmfEvent, EndReason, EventPacket, ReceiverConfig, ReceiverStats, SenderConfig, TelephoneEvent,
    TelephoneEventReceiver, TelephoneEventSender,
};
