//! `MediaSession`: one call's media pipeline, with its events and counters as uniffi types.

use core::time::Duration;
use std::sync::Mutex;

use ::mediacore::{AudioFrame, Codec, Event, Instant, SessionConfig};

use crate::opus::OpusSettings;
use crate::{MediaError, lock};

/// Something that happened in a session, drained with [`MediaSession::poll_event`].
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
#[non_exhaustive]
pub enum MediaEvent {
    /// The first valid RTP packet arrived from this synchronisation source.
    RemoteSourceStarted {
        /// The sender's SSRC.
        ssrc: u32,
    },
    /// The sender's SSRC changed; receive state was reset for the new source.
    RemoteSourceChanged {
        /// The SSRC heard before.
        old: u32,
        /// The SSRC heard now.
        new: u32,
    },
    /// No valid RTP arrived for the configured timeout.
    RtpTimeout {
        /// How long the session has been without RTP, in milliseconds (with the
        /// microseconds as a fraction, like the other bindings).
        silent_for_ms: f64,
    },
    /// RTP arrived again after a timeout.
    RtpResumed,
    /// An event kind this binding does not translate yet, by its core name.
    Other {
        /// The core's snake_case name of the event kind.
        name: String,
    },
}

impl From<Event> for MediaEvent {
    fn from(event: Event) -> Self {
        match event {
            Event::RemoteSourceStarted { ssrc } => MediaEvent::RemoteSourceStarted { ssrc },
            Event::RemoteSourceChanged { old, new } => MediaEvent::RemoteSourceChanged { old, new },
            Event::RtpTimeout { silent_for } => MediaEvent::RtpTimeout {
                silent_for_ms: silent_for.as_micros() as f64 / 1000.0,
            },
            Event::RtpResumed => MediaEvent::RtpResumed,
            other => MediaEvent::Other {
                name: other.name().to_owned(),
            },
        }
    }
}

/// Writes the `SessionStats` record from one list of counters, with its conversion from the
/// core's: the conversion destructures the core struct by these names, so a counter added to
/// the core fails to compile here until the record has it too.
macro_rules! stats_record {
    ($($(#[doc = $doc:tt])* $field:ident,)+) => {
        /// Counters kept by a session.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, uniffi::Record)]
        pub struct SessionStats {
            $($(#[doc = $doc])* pub $field: u64,)+
        }

        impl From<::mediacore::SessionStats> for SessionStats {
            fn from(stats: ::mediacore::SessionStats) -> Self {
                let ::mediacore::SessionStats { $($field),+ } = stats;
                SessionStats { $($field),+ }
            }
        }
    };
}

stats_record! {
    /// Valid RTP packets accepted.
    packets_received,
    /// Payload bytes in accepted packets.
    bytes_received,
    /// Datagrams rejected: malformed, wrong payload type or oversized.
    packets_rejected,
    /// Packets dropped because they were duplicates or arrived after later ones.
    packets_late,
    /// Packets the sender's sequence numbers show were never received.
    packets_lost,
    /// RTP packets produced for sending.
    packets_sent,
    /// Payload bytes in packets produced.
    bytes_sent,
    /// Outgoing packets dropped because the host did not drain them in time.
    packets_send_dropped,
    /// Playout frames that ran out of received audio while playing.
    playout_underruns,
    /// Received samples dropped because the playout queue was full.
    playout_samples_dropped,
    /// Events dropped because the host did not drain them in time.
    events_dropped,
}

/// One call's media: decode and play what arrives, encode and packetize what is captured.
///
/// Drive it with `handle_rtp`/`push_capture` in and `poll_transmit`/`pull_playout`/
/// `poll_event` out, and call `handle_timeout` at `poll_timeout()`.
#[derive(uniffi::Object)]
pub struct MediaSession {
    inner: Mutex<::mediacore::MediaSession>,
}

#[uniffi::export]
impl MediaSession {
    /// A session for an SDP encoding name. `payload_type` `None` uses the codec's static
    /// type; `rtp_timeout_ms` `None` never reports an RTP timeout; `sample_rate` `None` runs
    /// at the codec's default rate. `opus` sets the Opus encoder when the codec is Opus; its
    /// frame duration is `ptime_ms` (10, 20, 40 or 60), so `frame_ms` must stay `None`.
    #[uniffi::constructor(default(
        seed = 0,
        payload_type = None,
        ptime_ms = 20,
        rtp_timeout_ms = Some(30000),
        sample_rate = None,
        opus = None
    ))]
    #[allow(clippy::too_many_arguments)] // one argument per SessionConfig field
    pub fn new(
        codec: String,
        seed: u64,
        payload_type: Option<u8>,
        ptime_ms: u32,
        rtp_timeout_ms: Option<u64>,
        sample_rate: Option<u32>,
        opus: Option<OpusSettings>,
    ) -> Result<Self, MediaError> {
        let codec = Codec::from_name(&codec)?;
        let config = SessionConfig {
            payload_type,
            sample_rate,
            ptime: Duration::from_millis(u64::from(ptime_ms)),
            seed,
            rtp_timeout: rtp_timeout_ms.map(Duration::from_millis),
            opus: opus.unwrap_or_default().resolve(codec, Some("ptime_ms"))?,
            ..SessionConfig::new(codec)
        };
        Ok(MediaSession {
            inner: Mutex::new(::mediacore::MediaSession::new(config)?),
        })
    }

    /// The SDP encoding name of the codec used both ways.
    pub fn codec(&self) -> String {
        lock(&self.inner).codec().name().to_owned()
    }

    /// The RTP payload type used both ways.
    pub fn payload_type(&self) -> u8 {
        lock(&self.inner).payload_type()
    }

    /// Sample rate of captured and played audio, in Hz.
    pub fn sample_rate(&self) -> u32 {
        lock(&self.inner).sample_rate()
    }

    /// Samples in one ptime frame (the length of `pull_playout`'s result).
    pub fn frame_samples(&self) -> u32 {
        // At most 120 ms at the highest codec rate: far below u32::MAX.
        u32::try_from(lock(&self.inner).frame_samples()).unwrap_or(u32::MAX)
    }

    /// The SSRC of the stream this session sends.
    pub fn local_ssrc(&self) -> u32 {
        lock(&self.inner).local_ssrc()
    }

    /// The SSRC of the stream this session receives, once one has been heard.
    pub fn remote_ssrc(&self) -> Option<u32> {
        lock(&self.inner).remote_ssrc()
    }

    /// Takes one received datagram; a rejected one is an error and changes nothing.
    pub fn handle_rtp(&self, now_us: u64, datagram: Vec<u8>) -> Result<(), MediaError> {
        Ok(lock(&self.inner).handle_rtp(Instant::from_micros(now_us), &datagram)?)
    }

    /// Takes captured mono audio (any length) at the session's sample rate.
    pub fn push_capture(&self, now_us: u64, pcm: Vec<i16>) -> Result<(), MediaError> {
        let mut session = lock(&self.inner);
        let frame = AudioFrame::new(pcm, session.sample_rate(), 1)?;
        Ok(session.push_capture(Instant::from_micros(now_us), &frame)?)
    }

    /// The next datagram to send, or `None` when there is nothing to send.
    pub fn poll_transmit(&self, now_us: u64) -> Option<Vec<u8>> {
        lock(&self.inner)
            .poll_transmit(Instant::from_micros(now_us))
            .map(<[u8]>::to_vec)
    }

    /// One ptime frame of received audio for the speaker (silence where none arrived).
    pub fn pull_playout(&self, now_us: u64) -> Vec<i16> {
        lock(&self.inner)
            .pull_playout(Instant::from_micros(now_us))
            .samples()
            .to_vec()
    }

    /// The next event, oldest first, or `None`.
    pub fn poll_event(&self) -> Option<MediaEvent> {
        lock(&self.inner).poll_event().map(MediaEvent::from)
    }

    /// When to call `handle_timeout` next, in microseconds, or `None`.
    pub fn poll_timeout(&self) -> Option<u64> {
        lock(&self.inner).poll_timeout().map(Instant::as_micros)
    }

    /// Lets the session act on time passing (the RTP inactivity timeout).
    pub fn handle_timeout(&self, now_us: u64) {
        lock(&self.inner).handle_timeout(Instant::from_micros(now_us));
    }

    /// Counters so far.
    pub fn stats(&self) -> SessionStats {
        lock(&self.inner).stats().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_sessions_hear_each_other() {
        let a = MediaSession::new("PCMU".into(), 1, None, 20, Some(30_000), None, None).unwrap();
        let b = MediaSession::new("PCMU".into(), 2, None, 20, Some(30_000), None, None).unwrap();
        for i in 0..4u64 {
            a.push_capture(i * 20_000, vec![1000; 160]).unwrap();
            while let Some(datagram) = a.poll_transmit(i * 20_000) {
                b.handle_rtp(i * 20_000, datagram).unwrap();
            }
            assert_eq!(b.pull_playout(i * 20_000).len(), 160);
        }
        assert_eq!(
            b.poll_event(),
            Some(MediaEvent::RemoteSourceStarted {
                ssrc: a.local_ssrc()
            })
        );
        assert_eq!(b.stats().packets_received, 4);
        let err = b.handle_rtp(0, vec![0x80]).unwrap_err();
        assert!(matches!(err, MediaError::Rtp { .. }), "{err:?}");
    }
}
