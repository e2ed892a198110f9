//! NTP timestamps (RFC 3550 §4) from the host's monotonic time and a wall-clock origin.
//!
//! The core reads no clock: the host says which NTP time its [`Instant::ZERO`] corresponds
//! to (e.g. from the system clock at start-up), and every NTP timestamp is derived from that
//! origin and `now`. Round-trip times only need the origin to be the same for send and
//! receive; it need not be accurate.

use core::time::Duration;

use crate::time::Instant;

/// RFC 868 / RFC 5905: seconds from the NTP era origin (1900-01-01) to the Unix epoch.
pub const NTP_UNIX_OFFSET_SECS: u64 = 2_208_988_800;

/// A 64-bit NTP timestamp: seconds since 1900 in the high 32 bits, fraction in the low 32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct NtpTime(u64);

impl NtpTime {
    /// The timestamp with these 64 bits, as carried in an SR.
    pub const fn from_bits(bits: u64) -> Self {
        NtpTime(bits)
    }

    /// The 64 bits as carried in an SR.
    pub const fn as_bits(self) -> u64 {
        self.0
    }

    /// The NTP time of a wall-clock time given as the duration since the Unix epoch.
    pub fn from_unix(since_epoch: Duration) -> Self {
        let secs = since_epoch.as_secs().wrapping_add(NTP_UNIX_OFFSET_SECS);
        NtpTime((secs << 32).wrapping_add(fraction_of(since_epoch.subsec_nanos())))
    }

    /// The NTP time at `now`, when the host's `Instant::ZERO` was at `origin`.
    pub fn at(origin: NtpTime, now: Instant) -> Self {
        let micros = now.as_micros();
        let secs = micros / 1_000_000;
        let nanos = (micros % 1_000_000) as u32 * 1000;
        NtpTime(
            origin
                .0
                .wrapping_add(secs << 32)
                .wrapping_add(fraction_of(nanos)),
        )
    }

    /// RFC 3550 §4: the middle 32 bits (16.16 seconds), as used for LSR in report blocks.
    pub const fn middle32(self) -> u32 {
        (self.0 >> 16) as u32
    }
}

/// Nanoseconds below one second as a 32-bit binary fraction, rounded to nearest.
fn fraction_of(nanos: u32) -> u64 {
    ((u64::from(nanos) << 32) + 500_000_000) / 1_000_000_000
}

/// A duration in units of 1/65536 s (the DLSR field), saturating at `u32::MAX`.
pub fn to_short_units(d: Duration) -> u32 {
    let units = (d.as_nanos() << 16) / 1_000_000_000;
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// A count of 1/65536 s (LSR/DLSR arithmetic) as a duration.
pub fn from_short_units(units: u32) -> Duration {
    Duration::from_nanos((u64::from(units) * 1_000_000_000) >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_epoch_is_ntp_2208988800() {
        let t = NtpTime::from_unix(Duration::ZERO);
        assert_eq!(t.as_bits(), 2_208_988_800u64 << 32);
        // Half a second is 0x8000_0000 of fraction.
        let h = NtpTime::from_unix(Duration::from_millis(1500));
        assert_eq!(h.as_bits(), ((2_208_988_801u64) << 32) | 0x8000_0000);
        // 16.16 middle bits: low 16 bits of the seconds, high 16 of the fraction.
        assert_eq!(h.middle32(), ((2_208_988_801u32 & 0xFFFF) << 16) | 0x8000);
    }

    #[test]
    fn instants_move_the_ntp_time_by_their_distance_from_the_origin() {
        let origin = NtpTime::from_unix(Duration::from_secs(1_700_000_000));
        let t = NtpTime::at(origin, Instant::from_micros(2_250_000));
        assert_eq!(t.as_bits() - origin.as_bits(), (2u64 << 32) | 0x4000_0000);
        assert_eq!(NtpTime::at(origin, Instant::ZERO), origin);
    }

    #[test]
    fn short_units_are_1_65536_of_a_second() {
        assert_eq!(to_short_units(Duration::from_secs(1)), 65_536);
        assert_eq!(to_short_units(Duration::from_millis(250)), 16_384);
        assert_eq!(from_short_units(32_768), Duration::from_millis(500));
        assert_eq!(to_short_units(Duration::from_secs(1 << 20)), u32::MAX);
    }
}
