//! The server's clock: tokio's monotonic time turned into the core's [`mediacore::Instant`].
//!
//! The core never reads a clock; the server owns one origin and converts every instant it
//! hands to a session. Using tokio's `Instant` keeps paused-time tests possible.

use tokio::time::Instant as TokioInstant;

/// Converts tokio instants to media instants measured from one origin.
#[derive(Debug, Clone, Copy)]
pub struct MediaClock {
    origin: TokioInstant,
    /// Wall-clock time at the origin, since the Unix epoch: the NTP time of RTCP reports.
    wall: core::time::Duration,
}

impl MediaClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        MediaClock {
            origin: TokioInstant::now(),
            wall: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default(),
        }
    }

    /// The wall-clock time of the origin as NTP time, for sessions' RTCP sender reports.
    pub fn ntp_origin(&self) -> mediacore::rtcp::NtpTime {
        mediacore::rtcp::NtpTime::from_unix(self.wall)
    }

    /// The current time as a media instant.
    pub fn now(&self) -> mediacore::Instant {
        self.at(TokioInstant::now())
    }

    /// `t` as a media instant; instants before the origin map to the origin.
    pub fn at(&self, t: TokioInstant) -> mediacore::Instant {
        let micros = t.saturating_duration_since(self.origin).as_micros();
        mediacore::Instant::from_micros(u64::try_from(micros).unwrap_or(u64::MAX))
    }
}

impl Default for MediaClock {
    fn default() -> Self {
        MediaClock::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::time::Duration;

    #[test]
    fn converts_relative_to_the_origin() {
        let clock = MediaClock::new();
        let later = clock.origin + Duration::from_millis(1500);
        assert_eq!(clock.at(later).as_micros(), 1_500_000);
        assert_eq!(clock.at(clock.origin), mediacore::Instant::ZERO);
    }
}
