//! What a play-and-collect ends with.

use crate::dtmf::{CollectReason, Collected, Digit, Digits};
use crate::time::Instant;

/// Why a play-and-collect ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlayCollectReason {
    /// A valid entry, ended by its digit count or the inter-digit timeout.
    Digits,
    /// A valid entry, ended by a terminator key.
    Terminator,
    /// The last attempt got no digits at all.
    Timeout,
    /// The last attempt got an entry that is not valid.
    MaxRetries,
    /// Cancelled by the host.
    Cancelled,
}

impl PlayCollectReason {
    /// `digits`, `terminator`, `timeout`, `max_retries` or `cancelled`, as events and the
    /// bindings name it.
    pub const fn name(self) -> &'static str {
        match self {
            PlayCollectReason::Digits => "digits",
            PlayCollectReason::Terminator => "terminator",
            PlayCollectReason::Timeout => "timeout",
            PlayCollectReason::MaxRetries => "max_retries",
            PlayCollectReason::Cancelled => "cancelled",
        }
    }

    /// Whether the entry is one the caller may act on.
    pub const fn is_success(self) -> bool {
        matches!(
            self,
            PlayCollectReason::Digits | PlayCollectReason::Terminator
        )
    }
}

/// The outcome of one play-and-collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlayCollectResult {
    /// Why it ended.
    pub reason: PlayCollectReason,
    /// The last attempt's digits (the accepted entry on success), without the terminator.
    pub digits: Digits,
    /// The terminator key that ended the last attempt, if one did.
    pub terminator: Option<Digit>,
    /// Attempts made, 1 to `max_attempts`.
    pub attempts: u32,
    /// How the last attempt's collection ended, when one ran.
    pub collect_reason: Option<CollectReason>,
    /// When it ended.
    pub ended_at: Instant,
}

impl PlayCollectResult {
    pub(super) fn new(
        reason: PlayCollectReason,
        attempts: u32,
        ended_at: Instant,
        collected: Option<&Collected>,
    ) -> Self {
        PlayCollectResult {
            reason,
            digits: collected.map_or(Digits::default(), |c| c.digits),
            terminator: collected.and_then(|c| c.terminator),
            attempts,
            collect_reason: collected.map(|c| c.reason),
            ended_at,
        }
    }
}
