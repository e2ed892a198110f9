//! RFC 7587 §6.1 format parameters (`a=fmtp:<pt> ...`) for Opus: parsing, writing, and
//! what the peer's parameters mean for our encoder and decoder.
//!
//! Parameters without the `sprop-` prefix describe what the peer wants to *receive* and
//! shape our encoder; `sprop-` parameters describe what the peer will *send* and shape our
//! decoder. All of them are preferences: a stream that ignores them still decodes.
//! `usedtx` is accepted and ignored, and never written: this encoder has no DTX.

use core::fmt;

use super::config::{FRAME_MS, OpusConfig, bitrate_range, fec_allowed, vbr_allowed};
use super::{DECODER_RATES, ENCODER_RATES};
use crate::error::{Error, Result};

/// The Opus parameters of one `a=fmtp` line; `None` is a parameter that is absent, which
/// means its RFC 7587 default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct OpusFmtp {
    /// `maxplaybackrate`: the highest rate, in Hz, the peer renders (8000 to 48000;
    /// default 48000). We do not encode audio above that bandwidth.
    pub max_playback_rate: Option<u32>,
    /// `sprop-maxcapturerate`: the highest rate, in Hz, the peer captures (8000 to 48000).
    pub sprop_max_capture_rate: Option<u32>,
    /// `maxaveragebitrate`: the highest average bit rate, in bit/s, the peer wants to
    /// receive (6000 to 510000).
    pub max_average_bitrate: Option<u32>,
    /// `stereo`: the peer prefers to receive stereo (default: mono).
    pub stereo: Option<bool>,
    /// `sprop-stereo`: the peer is likely to send stereo (default: mono).
    pub sprop_stereo: Option<bool>,
    /// `cbr`: the peer prefers constant bit rate (default: no preference).
    pub cbr: Option<bool>,
    /// `useinbandfec`: the peer can use in-band FEC (default: it cannot).
    pub use_inband_fec: Option<bool>,
    /// `ptime`: the packet duration, in milliseconds, the peer recommends.
    pub ptime: Option<u32>,
    /// `minptime`: the shortest packet duration, in milliseconds, the peer wants.
    pub min_ptime: Option<u32>,
    /// `maxptime`: the longest packet duration, in milliseconds, the peer accepts.
    pub max_ptime: Option<u32>,
}

/// How to run our encoder for a peer: the rate and channels to feed it and its
/// configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EncoderSettings {
    /// Sample rate to run the encoder at, in Hz; resample the capture to it.
    pub sample_rate: u32,
    /// Channels to encode.
    pub channels: u16,
    /// The encoder configuration.
    pub config: OpusConfig,
}

/// `maxplaybackrate` and `sprop-maxcapturerate` range (RFC 7587 §6.1).
const RATE_RANGE: (u32, u32) = (8000, 48_000);
/// `maxaveragebitrate` range (RFC 7587 §6.1).
const BITRATE_RANGE: (u32, u32) = (6000, 510_000);

impl OpusFmtp {
    /// Parses the parameter list of an `a=fmtp` line (the part after the payload type), as
    /// `key=value` pairs separated by `;`. Names are case-insensitive; unknown parameters
    /// are ignored; a known parameter with a value out of its range is an error.
    pub fn parse(params: &str) -> Result<OpusFmtp> {
        let mut fmtp = OpusFmtp::default();
        for item in params.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((key, value)) = item.split_once('=') else {
                return Err(invalid(format!(
                    "opus fmtp parameter {item:?} has no value; expected name=value"
                )));
            };
            let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
            match key.as_str() {
                "maxplaybackrate" => {
                    fmtp.max_playback_rate = Some(number(&key, value, RATE_RANGE)?)
                }
                "sprop-maxcapturerate" => {
                    fmtp.sprop_max_capture_rate = Some(number(&key, value, RATE_RANGE)?);
                }
                "maxaveragebitrate" => {
                    fmtp.max_average_bitrate = Some(number(&key, value, BITRATE_RANGE)?);
                }
                "stereo" => fmtp.stereo = Some(flag(&key, value)?),
                "sprop-stereo" => fmtp.sprop_stereo = Some(flag(&key, value)?),
                "cbr" => fmtp.cbr = Some(flag(&key, value)?),
                "useinbandfec" => fmtp.use_inband_fec = Some(flag(&key, value)?),
                "ptime" => fmtp.ptime = Some(number(&key, value, (1, u32::MAX))?),
                "minptime" => fmtp.min_ptime = Some(number(&key, value, (1, u32::MAX))?),
                "maxptime" => fmtp.max_ptime = Some(number(&key, value, (1, u32::MAX))?),
                _ => {}
            }
        }
        Ok(fmtp)
    }

    /// How to encode for a peer that sent these parameters, given the capture rate and
    /// channels and the configuration we would like (`wanted`).
    ///
    /// - `maxplaybackrate` (and the capture rate) caps the encoder rate, which sets the
    ///   audio bandwidth: the highest encoder rate not above both.
    /// - `stereo=1` allows two channels if we capture two; otherwise we send mono.
    /// - `maxaveragebitrate` caps the bit rate; so does the encoder's range at the chosen
    ///   rate and channels.
    /// - `cbr=1` forces constant bit rate, and so does a rate, channel count and bit rate
    ///   where variable bit rate is not allowed.
    /// - `useinbandfec=1` turns in-band FEC on where the bit rate allows it
    ///   ([`super::fec_allowed`]); otherwise, and when absent (RFC 7587 then assumes the peer
    ///   cannot use it), FEC is off.
    /// - `ptime`, `minptime` and `maxptime` pick the frame duration: the longest allowed one
    ///   not above `ptime` (or `wanted.frame_ms`) within `minptime..=maxptime`.
    ///
    /// Fails when `maxaveragebitrate` is below what the encoder runs at, or no frame
    /// duration fits `minptime..=maxptime`.
    pub fn encoder_settings(
        &self,
        capture_rate: u32,
        capture_channels: u16,
        wanted: OpusConfig,
    ) -> Result<EncoderSettings> {
        let limit = capture_rate.min(self.max_playback_rate.unwrap_or(RATE_RANGE.1));
        let sample_rate = ENCODER_RATES
            .iter()
            .copied()
            .filter(|&r| r <= limit)
            .max()
            .unwrap_or(RATE_RANGE.0);
        let channels = if self.stereo == Some(true) {
            capture_channels.clamp(1, 2)
        } else {
            1
        };
        let (min_bitrate, max_bitrate) = bitrate_range(sample_rate, channels);
        let mut bitrate = wanted.bitrate.min(max_bitrate);
        if let Some(cap) = self.max_average_bitrate {
            if cap < min_bitrate {
                return Err(invalid(format!(
                    "opus fmtp maxaveragebitrate={cap} is below the encoder's lowest bit rate, \
                     {min_bitrate} bit/s at {sample_rate} Hz with {channels} channel(s)"
                )));
            }
            bitrate = bitrate.min(cap);
        }
        let bitrate = bitrate.max(min_bitrate);
        let config = OpusConfig {
            bitrate,
            cbr: wanted.cbr
                || self.cbr == Some(true)
                || !vbr_allowed(wanted.application, sample_rate, channels, bitrate),
            inband_fec: self.use_inband_fec == Some(true)
                && fec_allowed(sample_rate, channels, bitrate),
            frame_ms: self.frame_ms(wanted.frame_ms)?,
            ..wanted
        };
        config.validate(sample_rate, channels)?;
        Ok(EncoderSettings {
            sample_rate,
            channels,
            config,
        })
    }

    /// The rate and channels to decode a peer's stream at, given what we play out: the
    /// lowest decoder rate that keeps all of `min(playback_rate, sprop-maxcapturerate)`,
    /// and two channels only when the peer says `sprop-stereo=1` and we play two.
    pub fn decoder_settings(&self, playback_rate: u32, playback_channels: u16) -> (u32, u16) {
        let needed = playback_rate.min(self.sprop_max_capture_rate.unwrap_or(RATE_RANGE.1));
        let rate = DECODER_RATES
            .iter()
            .copied()
            .filter(|&r| r >= needed)
            .min()
            .unwrap_or(RATE_RANGE.1);
        let channels = if self.sprop_stereo == Some(true) {
            playback_channels.clamp(1, 2)
        } else {
            1
        };
        (rate, channels)
    }

    fn frame_ms(&self, wanted: u8) -> Result<u8> {
        let min = self.min_ptime.unwrap_or(0);
        let max = self.max_ptime.unwrap_or(u32::MAX);
        let fits = || {
            FRAME_MS
                .iter()
                .copied()
                .filter(|&f| (min..=max).contains(&u32::from(f)))
        };
        let target = self.ptime.unwrap_or(u32::from(wanted));
        fits()
            .filter(|&f| u32::from(f) <= target)
            .max()
            .or_else(|| fits().min())
            .ok_or_else(|| {
                invalid(format!(
                    "opus fmtp minptime={} maxptime={} leave no frame duration the encoder \
                     supports (10, 20, 40 or 60 ms)",
                    self.min_ptime.map_or("-".into(), |v| v.to_string()),
                    self.max_ptime.map_or("-".into(), |v| v.to_string()),
                ))
            })
    }
}

impl fmt::Display for OpusFmtp {
    /// The parameters that are present, as `name=value` separated by `;`, in RFC 7587's
    /// order. `usedtx` is never written.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let numbers = [
            ("maxplaybackrate", self.max_playback_rate),
            ("sprop-maxcapturerate", self.sprop_max_capture_rate),
            ("maxptime", self.max_ptime),
            ("ptime", self.ptime),
            ("minptime", self.min_ptime),
            ("maxaveragebitrate", self.max_average_bitrate),
        ];
        let flags = [
            ("stereo", self.stereo),
            ("sprop-stereo", self.sprop_stereo),
            ("cbr", self.cbr),
            ("useinbandfec", self.use_inband_fec),
        ];
        let mut sep = "";
        for (name, value) in numbers {
            if let Some(v) = value {
                write!(f, "{sep}{name}={v}")?;
                sep = ";";
            }
        }
        for (name, value) in flags {
            if let Some(v) = value {
                write!(f, "{sep}{name}={}", u8::from(v))?;
                sep = ";";
            }
        }
        Ok(())
    }
}

fn number(key: &str, value: &str, (min, max): (u32, u32)) -> Result<u32> {
    match value.parse::<u32>() {
        Ok(v) if (min..=max).contains(&v) => Ok(v),
        _ if max == u32::MAX => Err(invalid(format!(
            "opus fmtp {key}={value:?} is not valid; expected a whole number of milliseconds from {min}"
        ))),
        _ => Err(invalid(format!(
            "opus fmtp {key}={value:?} is not valid; expected {min} to {max}"
        ))),
    }
}

fn flag(key: &str, value: &str) -> Result<bool> {
    match value {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(invalid(format!(
            "opus fmtp {key}={value:?} is not valid; expected 0 or 1"
        ))),
    }
}

fn invalid(message: String) -> Error {
    Error::InvalidArgument(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::opus::OpusApplication;

    #[test]
    fn parameters_parse_and_write_back() {
        let fmtp = OpusFmtp::parse(
            "maxplaybackrate=16000; sprop-maxcapturerate=16000; maxaveragebitrate=20000; \
             stereo=1; useinbandfec=1; usedtx=0",
        )
        .unwrap();
        assert_eq!(
            fmtp,
            OpusFmtp {
                max_playback_rate: Some(16_000),
                sprop_max_capture_rate: Some(16_000),
                max_average_bitrate: Some(20_000),
                stereo: Some(true),
                use_inband_fec: Some(true),
                ..OpusFmtp::default()
            }
        );
        let written = fmtp.to_string();
        assert_eq!(
            written,
            "maxplaybackrate=16000;sprop-maxcapturerate=16000;maxaveragebitrate=20000;stereo=1;useinbandfec=1"
        );
        assert_eq!(OpusFmtp::parse(&written).unwrap(), fmtp);
        assert_eq!(OpusFmtp::default().to_string(), "");
        // Names are case-insensitive; unknown parameters and empty items are ignored.
        let webrtc =
            OpusFmtp::parse("MinPTime=10;useinbandfec=1;x-google-min-bitrate=6;;").unwrap();
        assert_eq!(
            (webrtc.min_ptime, webrtc.use_inband_fec),
            (Some(10), Some(true))
        );
        assert_eq!(webrtc.to_string(), "minptime=10;useinbandfec=1");
    }

    #[test]
    fn bad_values_are_errors_that_say_what_is_allowed() {
        let err = |s: &str| OpusFmtp::parse(s).unwrap_err().to_string();
        assert_eq!(
            err("stereo=2"),
            "invalid argument: opus fmtp stereo=\"2\" is not valid; expected 0 or 1"
        );
        assert_eq!(
            err("maxplaybackrate=4000"),
            "invalid argument: opus fmtp maxplaybackrate=\"4000\" is not valid; expected 8000 to 48000"
        );
        assert_eq!(
            err("maxaveragebitrate=lots"),
            "invalid argument: opus fmtp maxaveragebitrate=\"lots\" is not valid; expected 6000 to 510000"
        );
        assert_eq!(
            err("ptime=0"),
            "invalid argument: opus fmtp ptime=\"0\" is not valid; expected a whole number of milliseconds from 1"
        );
        assert_eq!(
            err("useinbandfec"),
            "invalid argument: opus fmtp parameter \"useinbandfec\" has no value; expected name=value"
        );
    }

    #[test]
    fn the_peers_receive_parameters_shape_our_encoder() {
        let wanted = OpusConfig::default();
        let settings = |fmtp: &str, rate: u32, channels: u16, wanted: OpusConfig| {
            OpusFmtp::parse(fmtp)
                .unwrap()
                .encoder_settings(rate, channels, wanted)
        };
        let plain = settings("", 48_000, 2, wanted).unwrap();
        assert_eq!((plain.sample_rate, plain.channels), (48_000, 1));
        assert_eq!(
            plain.config,
            OpusConfig {
                inband_fec: false,
                ..wanted
            }
        );

        // The playback rate caps the encoder rate (and with it the audio bandwidth).
        assert_eq!(
            settings("maxplaybackrate=16000", 48_000, 1, wanted)
                .unwrap()
                .sample_rate,
            16_000
        );
        assert_eq!(
            settings("maxplaybackrate=20000", 48_000, 1, wanted)
                .unwrap()
                .sample_rate,
            16_000
        );
        assert_eq!(
            settings("maxplaybackrate=48000", 16_000, 1, wanted)
                .unwrap()
                .sample_rate,
            16_000
        );
        assert_eq!(
            settings("maxplaybackrate=8000", 48_000, 1, wanted)
                .unwrap()
                .sample_rate,
            8000
        );

        // Stereo only when asked for and captured.
        assert_eq!(settings("stereo=1", 48_000, 2, wanted).unwrap().channels, 2);
        assert_eq!(settings("stereo=1", 48_000, 1, wanted).unwrap().channels, 1);
        assert_eq!(settings("stereo=0", 48_000, 2, wanted).unwrap().channels, 1);

        // The average bit rate is capped, and must be reachable.
        let fast = OpusConfig {
            bitrate: 64_000,
            ..wanted
        };
        assert_eq!(
            settings("maxaveragebitrate=20000", 48_000, 1, fast)
                .unwrap()
                .config
                .bitrate,
            20_000
        );
        assert_eq!(
            settings("maxaveragebitrate=6000", 48_000, 1, wanted)
                .unwrap_err()
                .to_string(),
            "invalid argument: opus fmtp maxaveragebitrate=6000 is below the encoder's lowest bit rate, 8000 bit/s at 48000 Hz with 1 channel(s)"
        );
        // A wish above the range at a lower rate is brought into it.
        let huge = OpusConfig {
            bitrate: 128_000,
            ..wanted
        };
        assert_eq!(
            settings("maxplaybackrate=16000", 48_000, 1, huge)
                .unwrap()
                .config
                .bitrate,
            64_000
        );

        // FEC follows useinbandfec; cbr=1 forces CBR, and so does a rate where VBR is refused.
        assert!(
            settings("useinbandfec=1", 16_000, 1, wanted)
                .unwrap()
                .config
                .inband_fec
        );
        // At 48 kHz FEC needs 40 kbit/s (see `fec_allowed`): below, it stays off.
        assert!(
            !settings("useinbandfec=1", 48_000, 1, wanted)
                .unwrap()
                .config
                .inband_fec
        );
        assert!(
            settings("useinbandfec=1", 48_000, 1, fast)
                .unwrap()
                .config
                .inband_fec
        );
        assert!(
            !settings(
                "useinbandfec=0",
                48_000,
                1,
                OpusConfig {
                    inband_fec: true,
                    ..wanted
                }
            )
            .unwrap()
            .config
            .inband_fec
        );
        let music = OpusConfig {
            application: OpusApplication::Audio,
            bitrate: 64_000,
            cbr: false,
            ..wanted
        };
        assert!(!settings("", 48_000, 1, music).unwrap().config.cbr);
        assert!(settings("cbr=1", 48_000, 1, music).unwrap().config.cbr);
        assert!(
            settings("maxplaybackrate=16000", 48_000, 1, music)
                .unwrap()
                .config
                .cbr
        );

        // Packet duration from ptime, minptime and maxptime.
        let frame = |fmtp: &str| settings(fmtp, 48_000, 1, wanted).map(|s| s.config.frame_ms);
        assert_eq!(frame("ptime=40").unwrap(), 40);
        assert_eq!(frame("ptime=30").unwrap(), 20);
        assert_eq!(frame("ptime=5").unwrap(), 10);
        assert_eq!(frame("maxptime=10").unwrap(), 10);
        assert_eq!(frame("minptime=40").unwrap(), 40);
        assert_eq!(frame("ptime=60;maxptime=40").unwrap(), 40);
        assert_eq!(
            frame("minptime=70").unwrap_err().to_string(),
            "invalid argument: opus fmtp minptime=70 maxptime=- leave no frame duration the encoder supports (10, 20, 40 or 60 ms)"
        );
    }

    #[test]
    fn the_peers_send_parameters_shape_our_decoder() {
        let settings = |fmtp: &str, rate: u32, channels: u16| {
            OpusFmtp::parse(fmtp)
                .unwrap()
                .decoder_settings(rate, channels)
        };
        assert_eq!(settings("", 48_000, 2), (48_000, 1));
        assert_eq!(settings("sprop-stereo=1", 48_000, 2), (48_000, 2));
        assert_eq!(settings("sprop-stereo=1", 48_000, 1), (48_000, 1));
        assert_eq!(
            settings("sprop-maxcapturerate=16000", 48_000, 1),
            (16_000, 1)
        );
        assert_eq!(
            settings("sprop-maxcapturerate=12000", 48_000, 1),
            (12_000, 1)
        );
        assert_eq!(
            settings("sprop-maxcapturerate=10000", 48_000, 1),
            (12_000, 1)
        );
        assert_eq!(
            settings("sprop-maxcapturerate=24000", 48_000, 1),
            (24_000, 1)
        );
        assert_eq!(settings("", 24_000, 1), (24_000, 1));
        // Playback at 8 kHz decodes at 8 kHz (the decoder halves its 16 kHz output).
        assert_eq!(settings("", 8000, 1), (8000, 1));
    }
}
