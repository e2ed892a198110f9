//! Opus settings as a uniffi record and enum.
//!
//! `Encoder::new_opus`, `MediaSession` and `Transcoder` take an [`OpusSettings`] whose fields
//! are those of the core's [`OpusOptions`]; a field left at `None` keeps the engine's default.
//! [`OpusOptions::resolve`] fills in the defaults and refuses settings for another codec, and
//! the core checks the values when it builds the encoder.

use ::mediacore::codec::opus::{self, OpusConfig, OpusOptions};

/// What the Opus encoder optimises for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum OpusApplication {
    /// Speech: the right choice for calls.
    Voip,
    /// Music and mixed content (music on hold).
    Audio,
}

impl OpusApplication {
    /// Every application the binding names.
    const ALL: [OpusApplication; 2] = [OpusApplication::Voip, OpusApplication::Audio];
}

impl From<OpusApplication> for opus::OpusApplication {
    fn from(app: OpusApplication) -> Self {
        match app {
            OpusApplication::Voip => opus::OpusApplication::Voip,
            OpusApplication::Audio => opus::OpusApplication::Audio,
        }
    }
}

impl TryFrom<opus::OpusApplication> for OpusApplication {
    /// An application added to the core that the binding does not name yet.
    type Error = opus::OpusApplication;

    fn try_from(app: opus::OpusApplication) -> Result<Self, Self::Error> {
        OpusApplication::ALL
            .into_iter()
            .find(|&ours| opus::OpusApplication::from(ours) == app)
            .ok_or(app)
    }
}

/// Writes the `OpusSettings` record from one list of fields, with its conversions to and from
/// the core's [`OpusOptions`]: they destructure the core struct by these names, so a setting
/// added to the core fails to compile here until the record has it too.
macro_rules! settings_record {
    ($($(#[doc = $doc:tt])* $field:ident: $ty:ty,)+) => {
        /// Settings of the Opus encoder; `None` keeps the engine's default.
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, uniffi::Record)]
        pub struct OpusSettings {
            $($(#[doc = $doc])* #[uniffi(default = None)] pub $field: Option<$ty>,)+
        }

        impl From<OpusSettings> for OpusOptions {
            fn from(settings: OpusSettings) -> Self {
                let OpusSettings { $($field),+ } = settings;
                OpusOptions { $($field: $field.map(Into::into)),+ }
            }
        }

        impl From<OpusOptions> for OpusSettings {
            /// Every field as the core has it; an application the binding does not name
            /// yet comes out as `None`.
            fn from(options: OpusOptions) -> Self {
                let OpusOptions { $($field),+ } = options;
                OpusSettings { $($field: $field.and_then(|v| v.try_into().ok())),+ }
            }
        }
    };
}

settings_record! {
    /// Speech (`Voip`) or music (`Audio`).
    application: OpusApplication,
    /// Target bit rate in bit/s, for all channels together.
    bitrate: u32,
    /// Encoder effort, 0 to 10.
    complexity: u8,
    /// Constant bit rate: every packet of a given duration has the same size.
    cbr: bool,
    /// Code a low-bit-rate copy of each frame into the next packet (in-band FEC).
    inband_fec: bool,
    /// Packet loss the encoder should expect, 0 to 100 percent.
    expected_loss_percent: u8,
    /// Audio per packet in milliseconds: 10, 20, 40 or 60. Only for `Encoder::new_opus`:
    /// sessions and transcoders take it from their packet time.
    frame_ms: u8,
}

impl From<OpusConfig> for OpusSettings {
    fn from(config: OpusConfig) -> Self {
        OpusOptions::from(config).into()
    }
}

impl OpusSettings {
    /// The settings resolved for a coder of `codec`; `frame_ms_set_by` names the argument
    /// that sets the frame duration where `frame_ms` does not apply.
    pub(crate) fn resolve(
        self,
        codec: ::mediacore::Codec,
        frame_ms_set_by: Option<&str>,
    ) -> Result<OpusConfig, ::mediacore::Error> {
        OpusOptions::from(self).resolve(codec, frame_ms_set_by)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applications_convert_both_ways() {
        for app in OpusApplication::ALL {
            assert_eq!(
                OpusApplication::try_from(opus::OpusApplication::from(app)),
                Ok(app)
            );
        }
        assert_eq!(
            OpusApplication::ALL.map(|app| opus::OpusApplication::from(app).name()),
            opus::OpusApplication::ALL.map(opus::OpusApplication::name),
            "the binding names every core application"
        );
    }

    #[test]
    fn settings_round_trip_through_the_core_options() {
        let settings = OpusSettings {
            application: Some(OpusApplication::Audio),
            bitrate: Some(40_000),
            frame_ms: Some(40),
            ..OpusSettings::default()
        };
        assert_eq!(OpusSettings::from(OpusOptions::from(settings)), settings);
        let config = OpusConfig::default();
        assert_eq!(
            OpusSettings::from(config).resolve(::mediacore::Codec::Opus, None),
            Ok(config)
        );
    }
}
