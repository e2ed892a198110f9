//! [`TonePlan`]: what a cadenced tone is (parts of tones or silence with durations, a
//! play-once intro, a repeated section), its limits, and the built-in call-progress plans.

use crate::error::{Error, Result};

/// Most tones summed in one part (call-progress tones use one to three; DTMF two).
pub const MAX_TONES: usize = 4;
/// Most parts in one plan.
pub const MAX_PARTS: usize = 64;
/// Longest timed part: one hour, in milliseconds.
pub const MAX_PART_MS: u32 = 3_600_000;
/// Lowest tone or modulation frequency in Hz.
pub const MIN_FREQUENCY_HZ: f64 = 1.0;
/// Highest tone or modulation frequency in Hz (a plan is also checked against the Nyquist
/// frequency of the rate it is played at).
pub const MAX_FREQUENCY_HZ: f64 = 20_000.0;
/// Quietest tone level in dBm0.
pub const MIN_LEVEL_DBM0: f64 = -90.0;
/// Loudest tone level in dBm0: a full-scale sine ([`super::DBM0_FULL_SCALE_SINE`]).
pub const MAX_LEVEL_DBM0: f64 = super::DBM0_FULL_SCALE_SINE;
/// Level of a tone whose level is not given: −13 dBm0, the per-tone level of North American
/// dial tone in the Precise Tone Plan (AT&T, *Notes on Distance Dialing*, 1968).
pub const DEFAULT_TONE_LEVEL_DBM0: f64 = -13.0;

/// One sine: frequency and level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tone {
    /// Frequency in Hz, [`MIN_FREQUENCY_HZ`] to [`MAX_FREQUENCY_HZ`].
    pub frequency_hz: f64,
    /// Level in dBm0, from [`MIN_LEVEL_DBM0`] to [`MAX_LEVEL_DBM0`].
    pub level_dbm0: f64,
}

impl Tone {
    /// A tone of `frequency_hz` at `level_dbm0`.
    pub const fn new(frequency_hz: f64, level_dbm0: f64) -> Self {
        Tone {
            frequency_hz,
            level_dbm0,
        }
    }
}

/// Amplitude modulation of a part's tones by a low-frequency sine, as some national plans
/// use (e.g. 425 Hz modulated by 15 Hz). The envelope is `(1 + m·sin(2π·f·t)) / (1 + m)`, so
/// the peak never exceeds the unmodulated tones'.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Modulation {
    /// Frequency of the modulating sine in Hz, [`MIN_FREQUENCY_HZ`] to [`MAX_FREQUENCY_HZ`].
    pub frequency_hz: f64,
    /// Modulation depth `m` in percent, 0 to 100.
    pub depth_percent: f64,
}

impl Modulation {
    /// Depth used when none is given: 90 %, as Asterisk's `indications.conf` plays `f*m`.
    pub const DEFAULT_DEPTH_PERCENT: f64 = 90.0;
}

/// What sounds during one part: up to [`MAX_TONES`] tones summed (none is silence),
/// optionally modulated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ToneSet {
    tones: [Tone; MAX_TONES],
    len: usize,
    modulation: Option<Modulation>,
}

impl ToneSet {
    /// Silence.
    pub const SILENCE: ToneSet = ToneSet {
        tones: [Tone::new(0.0, 0.0); MAX_TONES],
        len: 0,
        modulation: None,
    };

    /// The sum of `tones`; an error if there are more than [`MAX_TONES`] or one is out of
    /// range.
    pub fn new(tones: &[Tone]) -> Result<ToneSet> {
        if tones.len() > MAX_TONES {
            return Err(Error::InvalidArgument(format!(
                "{} tones in one part; at most {MAX_TONES}",
                tones.len()
            )));
        }
        let mut set = ToneSet::SILENCE;
        for (slot, tone) in set.tones.iter_mut().zip(tones) {
            check_tone(tone)?;
            *slot = *tone;
        }
        set.len = tones.len();
        Ok(set)
    }

    /// The same tones, amplitude-modulated; an error for silence or an out-of-range
    /// modulation.
    pub fn modulated(mut self, modulation: Modulation) -> Result<ToneSet> {
        if self.len == 0 {
            return Err(Error::InvalidArgument(
                "silence cannot be modulated; give at least one tone".into(),
            ));
        }
        check_frequency("modulation frequency", modulation.frequency_hz)?;
        if !(0.0..=100.0).contains(&modulation.depth_percent) {
            return Err(Error::InvalidArgument(format!(
                "modulation depth {}% is out of range; expected 0 to 100",
                modulation.depth_percent
            )));
        }
        self.modulation = Some(modulation);
        Ok(self)
    }

    /// The tones, empty for silence.
    pub fn tones(&self) -> &[Tone] {
        &self.tones[..self.len]
    }

    /// The modulation, if any.
    pub fn modulation(&self) -> Option<Modulation> {
        self.modulation
    }

    /// Whether this is silence.
    pub fn is_silence(&self) -> bool {
        self.len == 0
    }

    /// Every level moved by `offset_db`, each checked against the level range.
    fn offset(mut self, offset_db: f64) -> Result<ToneSet> {
        for tone in &mut self.tones[..self.len] {
            tone.level_dbm0 += offset_db;
            check_tone(tone)?;
        }
        Ok(self)
    }
}

fn check_frequency(what: &str, hz: f64) -> Result<()> {
    if (MIN_FREQUENCY_HZ..=MAX_FREQUENCY_HZ).contains(&hz) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{what} {hz} Hz is out of range; expected {MIN_FREQUENCY_HZ} to {MAX_FREQUENCY_HZ} Hz"
        )))
    }
}

fn check_tone(tone: &Tone) -> Result<()> {
    check_frequency("tone frequency", tone.frequency_hz)?;
    if (MIN_LEVEL_DBM0..=MAX_LEVEL_DBM0).contains(&tone.level_dbm0) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "tone level {} dBm0 is out of range; expected {MIN_LEVEL_DBM0} to {MAX_LEVEL_DBM0} dBm0",
            tone.level_dbm0
        )))
    }
}

/// One step of a cadence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TonePart {
    /// What sounds.
    pub sound: ToneSet,
    /// How long, in milliseconds (1 to [`MAX_PART_MS`]); `None` plays forever and is only
    /// allowed for the last part.
    pub duration_ms: Option<u32>,
    /// Played on the first pass only: the intro before the repeated section. Once-parts
    /// must all come before the first repeated part.
    pub once: bool,
}

impl TonePart {
    /// `sound` for `duration_ms` milliseconds, repeated with the plan.
    pub const fn timed(sound: ToneSet, duration_ms: u32) -> Self {
        TonePart {
            sound,
            duration_ms: Some(duration_ms),
            once: false,
        }
    }

    /// Silence for `duration_ms` milliseconds, repeated with the plan.
    pub const fn silence(duration_ms: u32) -> Self {
        TonePart::timed(ToneSet::SILENCE, duration_ms)
    }

    /// `sound` with no end.
    pub const fn continuous(sound: ToneSet) -> Self {
        TonePart {
            sound,
            duration_ms: None,
            once: false,
        }
    }

    /// The same part, played on the first pass only.
    pub const fn once(mut self) -> Self {
        self.once = true;
        self
    }
}

/// How many times the repeated section of a plan plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Repeat {
    /// Until the generator is dropped or restarted.
    Forever,
    /// This many times (at least 1), then the plan ends.
    Times(u32),
}

/// A cadenced tone: an intro of once-parts, then a section of parts repeated per
/// [`Repeat`]. A plan whose parts are all once-parts plays once and ends.
///
/// Validated on construction; the text form is described at [`TonePlan::parse`], and
/// [`core::fmt::Display`] writes it back (parse ∘ display is the identity).
#[derive(Debug, Clone, PartialEq)]
pub struct TonePlan {
    parts: Vec<TonePart>,
    repeat: Repeat,
}

impl TonePlan {
    /// A plan of `parts`; an error if there are none or more than [`MAX_PARTS`], a duration
    /// is out of range, an endless part is not the last, a once-part follows a repeated part,
    /// or `repeat` is `Times(0)`.
    pub fn new(parts: Vec<TonePart>, repeat: Repeat) -> Result<TonePlan> {
        if parts.is_empty() || parts.len() > MAX_PARTS {
            return Err(Error::InvalidArgument(format!(
                "a tone plan of {} parts; expected 1 to {MAX_PARTS}",
                parts.len()
            )));
        }
        let mut repeating = false;
        for (i, part) in parts.iter().enumerate() {
            for tone in part.sound.tones() {
                check_tone(tone)?;
            }
            if let Some(m) = part.sound.modulation() {
                part.sound.modulated(m)?;
            }
            match part.duration_ms {
                Some(ms) if ms == 0 || ms > MAX_PART_MS => {
                    return Err(Error::InvalidArgument(format!(
                        "part {} lasts {ms} ms; expected 1 to {MAX_PART_MS} ms",
                        i + 1
                    )));
                }
                None if i + 1 != parts.len() => {
                    return Err(Error::InvalidArgument(format!(
                        "part {} plays forever, so the parts after it would never play; \
                         only the last part may be endless",
                        i + 1
                    )));
                }
                _ => {}
            }
            if part.once && repeating {
                return Err(Error::InvalidArgument(format!(
                    "part {} is played once but follows a repeated part; \
                     once-parts must all come first",
                    i + 1
                )));
            }
            repeating |= !part.once;
        }
        if repeat == Repeat::Times(0) {
            return Err(Error::InvalidArgument(
                "a repeat count of 0; expected at least 1 (or Repeat::Forever)".into(),
            ));
        }
        Ok(TonePlan { parts, repeat })
    }

    /// The parts in order.
    pub fn parts(&self) -> &[TonePart] {
        &self.parts
    }

    /// How many times the repeated section plays.
    pub fn repeat(&self) -> Repeat {
        self.repeat
    }

    /// Index of the first repeated part (`parts().len()` if all are once-parts).
    pub fn loop_start(&self) -> usize {
        self.parts
            .iter()
            .position(|p| !p.once)
            .unwrap_or(self.parts.len())
    }

    /// Total length in milliseconds, `None` if the plan never ends.
    pub fn duration_ms(&self) -> Option<u64> {
        let loop_start = self.loop_start();
        let mut intro = 0u64;
        let mut section = 0u64;
        for (i, part) in self.parts.iter().enumerate() {
            let ms = u64::from(part.duration_ms?);
            if i < loop_start {
                intro += ms;
            } else {
                section += ms;
            }
        }
        match self.repeat {
            Repeat::Forever if loop_start < self.parts.len() => None,
            Repeat::Forever => Some(intro),
            Repeat::Times(n) => Some(intro + section * u64::from(n)),
        }
    }

    /// The same plan with every tone's level moved by `offset_db` (e.g. to play a built-in
    /// plan louder); an error if a level leaves the allowed range.
    pub fn with_level_offset(&self, offset_db: f64) -> Result<TonePlan> {
        let mut parts = self.parts.clone();
        for part in &mut parts {
            part.sound = part.sound.offset(offset_db)?;
        }
        Ok(TonePlan {
            parts,
            repeat: self.repeat,
        })
    }

    /// A built-in call-progress plan. The values and their sources are on [`ToneRegion`].
    pub fn call_progress(region: ToneRegion, tone: CallProgressTone) -> TonePlan {
        let text = region.plan_text(tone);
        // Every built-in text parses: `builtin_plans_parse_and_match_their_sources` tests it.
        TonePlan::parse(text).expect("built-in tone plans are valid")
    }

    /// A built-in plan by name, `region/tone` (`us/busy`, `europe/ringback`, any case; see
    /// [`ToneRegion::name`] and [`CallProgressTone::name`]), or else `plan` read as plan text
    /// ([`TonePlan::parse`]). Text that starts with a region name and a `/` is a name, and
    /// an unknown name is an error listing the known ones.
    pub fn named_or_parse(plan: &str) -> crate::Result<TonePlan> {
        let lower = plan.trim().to_ascii_lowercase();
        let Some((region, tone)) = lower.split_once('/') else {
            return Ok(TonePlan::parse(plan)?);
        };
        let Some(region) = ToneRegion::ALL
            .into_iter()
            .find(|r| r.name() == region.trim())
        else {
            return Ok(TonePlan::parse(plan)?);
        };
        match CallProgressTone::ALL
            .into_iter()
            .find(|t| t.name() == tone.trim())
        {
            Some(tone) => Ok(TonePlan::call_progress(region, tone)),
            None => {
                let names: Vec<String> = ToneRegion::ALL
                    .iter()
                    .flat_map(|r| {
                        CallProgressTone::ALL
                            .iter()
                            .map(move |t| format!("{}/{}", r.name(), t.name()))
                    })
                    .collect();
                Err(crate::Error::InvalidArgument(format!(
                    "{plan:?} is not a built-in call-progress tone; expected one of {}, or a \
                     tone plan",
                    names.join(", ")
                )))
            }
        }
    }
}

/// The call-progress tones with built-in plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallProgressTone {
    /// Dial tone: the exchange is ready for digits.
    Dial,
    /// Ringing (ringback) tone: the called party is being alerted.
    Ringback,
    /// Busy tone: the called line is engaged.
    Busy,
    /// Congestion (North American "reorder", "fast busy"): the network cannot complete the
    /// call.
    Congestion,
    /// Call-waiting tone: a second call is arriving during a call.
    CallWaiting,
}

impl CallProgressTone {
    /// All five.
    pub const ALL: [CallProgressTone; 5] = [
        CallProgressTone::Dial,
        CallProgressTone::Ringback,
        CallProgressTone::Busy,
        CallProgressTone::Congestion,
        CallProgressTone::CallWaiting,
    ];

    /// `dial`, `ringback`, `busy`, `congestion` or `call_waiting`.
    pub const fn name(self) -> &'static str {
        match self {
            CallProgressTone::Dial => "dial",
            CallProgressTone::Ringback => "ringback",
            CallProgressTone::Busy => "busy",
            CallProgressTone::Congestion => "congestion",
            CallProgressTone::CallWaiting => "call_waiting",
        }
    }
}

/// A set of call-progress tones.
///
/// **`Us`**, the North American Precise Tone Plan (AT&T, *Notes on Distance Dialing*, 1968;
/// Telcordia GR-506-CORE), levels per tone:
///
/// | tone | plan text |
/// |---|---|
/// | dial | `350+440;level=-13` (continuous, −13 dBm0) |
/// | ringback | `440+480/2000,0/4000;level=-19` (2 s on, 4 s off, −19 dBm0) |
/// | busy | `480+620/500,0/500;level=-24` (0.5 s on, 0.5 s off, −24 dBm0) |
/// | congestion (reorder) | `480+620/250,0/250;level=-24` (0.25 s on, 0.25 s off) |
/// | call waiting | `440/300,0/9700;level=-13` (a 0.3 s burst every 10 s) |
///
/// **`Europe`**, the CEPT/ETSI harmonised set: 425 Hz, the frequency ITU-T E.180/Q.35 (03/98)
/// recommends for new single-frequency tones, with the cadences of ETSI ETR 187 (1995-04)
/// §4, all inside E.180's recommended limits (ringing: tone 0.67–1.5 s, silence 3–5 s; busy
/// and congestion: period 300–1100 ms, on/off ratio 0.67–1.5, congestion faster than busy).
/// Level −10 dBm0, E.180 §2's nominal level for tones.
///
/// | tone | plan text |
/// |---|---|
/// | dial | `425;level=-10` (continuous) |
/// | ringback | `425/1000,0/4000;level=-10` (1 s on, 4 s off) |
/// | busy | `425/500,0/500;level=-10` (0.5 s on, 0.5 s off) |
/// | congestion | `425/200,0/200;level=-10` (0.2 s on, 0.2 s off) |
/// | call waiting | `425/200,0/600,425/200,0/3000;level=-10` (two 0.2 s bursts, 3 s off) |
///
/// National variants (ITU-T E.180 Supplement 2 lists them per country) can be written in
/// the text form, e.g. the UK's ringing tone `400+450/400,0/200,400+450/400,0/2000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ToneRegion {
    /// North America (Precise Tone Plan).
    Us,
    /// Europe (CEPT/ETSI, ITU-T E.180 recommended values).
    Europe,
}

impl ToneRegion {
    /// Both regions.
    pub const ALL: [ToneRegion; 2] = [ToneRegion::Us, ToneRegion::Europe];

    /// `us` or `europe`.
    pub const fn name(self) -> &'static str {
        match self {
            ToneRegion::Us => "us",
            ToneRegion::Europe => "europe",
        }
    }

    /// The plan text of `tone` in this region (see the tables above).
    pub const fn plan_text(self, tone: CallProgressTone) -> &'static str {
        use CallProgressTone::*;
        match (self, tone) {
            (ToneRegion::Us, Dial) => "350+440;level=-13",
            (ToneRegion::Us, Ringback) => "440+480/2000,0/4000;level=-19",
            (ToneRegion::Us, Busy) => "480+620/500,0/500;level=-24",
            (ToneRegion::Us, Congestion) => "480+620/250,0/250;level=-24",
            (ToneRegion::Us, CallWaiting) => "440/300,0/9700;level=-13",
            (ToneRegion::Europe, Dial) => "425;level=-10",
            (ToneRegion::Europe, Ringback) => "425/1000,0/4000;level=-10",
            (ToneRegion::Europe, Busy) => "425/500,0/500;level=-10",
            (ToneRegion::Europe, Congestion) => "425/200,0/200;level=-10",
            (ToneRegion::Europe, CallWaiting) => "425/200,0/600,425/200,0/3000;level=-10",
        }
    }
}
