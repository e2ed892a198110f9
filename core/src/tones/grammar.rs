//! The text form of a [`TonePlan`]: parser, errors with positions, and the writer.
//!
//! It extends the cadence strings of Asterisk's `indications.conf` (`480+620/500,0/500`,
//! `!` for play-once, `f*m` for modulation), so those strings parse as they are.

use core::fmt;
use core::str::FromStr;

use super::plan::{
    DEFAULT_TONE_LEVEL_DBM0, MAX_PART_MS, MAX_PARTS, MAX_TONES, Modulation, Repeat, Tone, TonePart,
    TonePlan, ToneSet,
};
use crate::error::Error;

/// Why a tone-plan text could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("tone plan is invalid at byte {position}: {reason}")]
pub struct PlanParseError {
    /// Byte offset in the text where the problem was found.
    pub position: usize,
    /// What was wrong and what was expected.
    pub reason: String,
}

impl From<PlanParseError> for Error {
    fn from(e: PlanParseError) -> Error {
        Error::InvalidArgument(e.to_string())
    }
}

/// Longest plan text accepted, in bytes.
const MAX_TEXT_LEN: usize = 4096;
/// Longest number accepted, in characters.
const MAX_NUMBER_LEN: usize = 32;

impl TonePlan {
    /// Reads a plan from its text form:
    ///
    /// ```text
    /// plan     = part *( "," part ) *( ";" option )
    /// part     = [ "!" ] sound [ "/" duration ]
    /// sound    = "0"                                    ; silence
    ///          | tone *( "+" tone ) [ "*" frequency [ "%" depth ] ]
    /// tone     = frequency [ "@" level ]
    /// option   = "repeat=" ( count | "forever" )
    ///          | "level=" level                          ; for tones without "@"
    /// frequency, depth = digits [ "." digits ]           ; Hz; percent, 0-100
    /// level    = [ "+" | "-" ] digits [ "." digits ]     ; dBm0
    /// duration, count = digits                           ; milliseconds; at least 1
    /// ```
    ///
    /// - `f1+f2` sums tones; `f*m` modulates them by `m` Hz at `depth` % (default 90).
    /// - A part without `/duration` plays forever; only the last part may omit it.
    /// - `!` marks an intro part, played on the first pass only; intro parts come first.
    /// - The other parts repeat `repeat` times (default `forever`).
    /// - Tones without `@level` take `level=`, or −13 dBm0
    ///   ([`DEFAULT_TONE_LEVEL_DBM0`]).
    /// - Spaces and tabs may separate tokens.
    ///
    /// Examples: `350+440` (US dial tone), `480+620/500,0/500` (US busy),
    /// `425*15/1000,0/4000` (modulated ringing), `!350+440/100,!0/100,350+440` (a stutter,
    /// then steady), `1400@-20/500,0/15000;repeat=3`.
    ///
    /// ```
    /// use mediacore::tones::{Repeat, TonePlan};
    ///
    /// let busy: TonePlan = "480+620/500,0/500;level=-24".parse()?;
    /// assert_eq!(busy.parts().len(), 2);
    /// assert_eq!(busy.repeat(), Repeat::Forever);
    /// assert_eq!(busy.to_string(), "480@-24+620@-24/500,0/500");
    ///
    /// let err = TonePlan::parse("480+620/500,0/x").unwrap_err();
    /// assert_eq!(err.position, 14);
    /// # Ok::<(), mediacore::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<TonePlan, PlanParseError> {
        if text.len() > MAX_TEXT_LEN {
            return Err(PlanParseError {
                position: MAX_TEXT_LEN,
                reason: format!(
                    "the text is {} bytes long; at most {MAX_TEXT_LEN}",
                    text.len()
                ),
            });
        }
        Parser {
            text: text.as_bytes(),
            pos: 0,
        }
        .plan()
    }
}

impl FromStr for TonePlan {
    type Err = Error;
    fn from_str(s: &str) -> Result<TonePlan, Error> {
        Ok(TonePlan::parse(s)?)
    }
}

/// A tone as read: its level may come from the `level=` option.
struct RawTone {
    frequency_hz: f64,
    level_dbm0: Option<f64>,
    at: usize,
}

struct RawPart {
    tones: Vec<RawTone>,
    modulation: Option<(Modulation, usize)>,
    duration_ms: Option<u32>,
    once: bool,
    at: usize,
}

struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error<T>(&self, at: usize, reason: impl Into<String>) -> Result<T, PlanParseError> {
        Err(PlanParseError {
            position: at,
            reason: reason.into(),
        })
    }

    fn skip_space(&mut self) {
        while matches!(self.text.get(self.pos), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Skips spaces, then takes `c` if it is next.
    fn eat(&mut self, c: u8) -> bool {
        self.skip_space();
        if self.text.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// What is at the current position, for error messages.
    fn found(&self) -> String {
        match self.text.get(self.pos) {
            None => "the end of the text".into(),
            Some(_) => {
                let rest = String::from_utf8_lossy(&self.text[self.pos..]);
                let c = rest.chars().next().unwrap_or('?');
                format!("{c:?}")
            }
        }
    }

    /// `[sign] digits ["." digits]`, as text; the caller checks the range.
    fn number(&mut self, what: &str, signed: bool, fraction: bool) -> Result<f64, PlanParseError> {
        self.skip_space();
        let start = self.pos;
        if signed && matches!(self.text.get(self.pos), Some(b'+' | b'-')) {
            self.pos += 1;
        }
        let digits = self.pos;
        while self.text.get(self.pos).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
        }
        if self.pos == digits {
            let found = self.found();
            return self.error(self.pos, format!("expected {what}, found {found}"));
        }
        if fraction && self.text.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            let decimals = self.pos;
            while self.text.get(self.pos).is_some_and(u8::is_ascii_digit) {
                self.pos += 1;
            }
            if self.pos == decimals {
                return self.error(self.pos, format!("expected digits after '.' in {what}"));
            }
        }
        if self.pos - start > MAX_NUMBER_LEN {
            return self.error(
                start,
                format!("{what} has more than {MAX_NUMBER_LEN} characters"),
            );
        }
        // The bytes are ASCII digits, sign and '.', so they are UTF-8 and parse as f64.
        let s = core::str::from_utf8(&self.text[start..self.pos]).unwrap_or("");
        match s.parse::<f64>() {
            Ok(v) => Ok(v),
            Err(_) => self.error(start, format!("{what} {s:?} is not a number")),
        }
    }

    /// A whole number from 1 to `max`; `what` says what was expected, `name` what it is.
    fn whole(&mut self, what: &str, name: &str, max: u32) -> Result<u32, PlanParseError> {
        self.skip_space();
        let at = self.pos;
        let v = self.number(what, false, false)?;
        if v < 1.0 || v > f64::from(max) {
            return self.error(
                at,
                format!("{name} {v} is out of range; expected 1 to {max}"),
            );
        }
        Ok(v as u32)
    }

    fn frequency(&mut self, what: &str) -> Result<(f64, usize), PlanParseError> {
        self.skip_space();
        let at = self.pos;
        let hz = self.number(what, false, true)?;
        if !(super::MIN_FREQUENCY_HZ..=super::MAX_FREQUENCY_HZ).contains(&hz) {
            return self.error(
                at,
                format!(
                    "{what} {hz} Hz is out of range; expected {} to {} Hz \
                     (write silence as a lone \"0\")",
                    super::MIN_FREQUENCY_HZ,
                    super::MAX_FREQUENCY_HZ
                ),
            );
        }
        Ok((hz, at))
    }

    fn level(&mut self) -> Result<f64, PlanParseError> {
        self.skip_space();
        let at = self.pos;
        let level = self.number("a level in dBm0", true, true)?;
        if !(super::MIN_LEVEL_DBM0..=super::MAX_LEVEL_DBM0).contains(&level) {
            return self.error(
                at,
                format!(
                    "level {level} dBm0 is out of range; expected {} to {} dBm0",
                    super::MIN_LEVEL_DBM0,
                    super::MAX_LEVEL_DBM0
                ),
            );
        }
        Ok(level)
    }

    fn part(&mut self) -> Result<RawPart, PlanParseError> {
        self.skip_space();
        let at = self.pos;
        let once = self.eat(b'!');
        self.skip_space();
        let mut part = RawPart {
            tones: Vec::new(),
            modulation: None,
            duration_ms: None,
            once,
            at,
        };
        // A lone "0" (not "0.5", not "0+...") is silence.
        let silence_at = self.pos;
        let is_zero = self.text.get(self.pos) == Some(&b'0')
            && !matches!(self.text.get(self.pos + 1), Some(b'0'..=b'9' | b'.'));
        if is_zero {
            self.pos += 1;
            self.skip_space();
            if let Some(&c) = self.text.get(self.pos)
                && matches!(c, b'+' | b'@' | b'*')
            {
                return self.error(
                    silence_at,
                    format!(
                        "\"0\" is silence and cannot take {:?}; give tones above 0 Hz",
                        c as char
                    ),
                );
            }
        } else {
            loop {
                let (frequency_hz, at) = self.frequency("a frequency in Hz")?;
                let level_dbm0 = if self.eat(b'@') {
                    Some(self.level()?)
                } else {
                    None
                };
                if part.tones.len() == MAX_TONES {
                    return self.error(at, format!("more than {MAX_TONES} tones in one part"));
                }
                part.tones.push(RawTone {
                    frequency_hz,
                    level_dbm0,
                    at,
                });
                if !self.eat(b'+') {
                    break;
                }
            }
            if self.eat(b'*') {
                let (frequency_hz, at) = self.frequency("a modulation frequency in Hz")?;
                let mut depth_percent = Modulation::DEFAULT_DEPTH_PERCENT;
                if self.eat(b'%') {
                    self.skip_space();
                    let depth_at = self.pos;
                    depth_percent = self.number("a modulation depth in percent", false, true)?;
                    if depth_percent > 100.0 {
                        return self.error(
                            depth_at,
                            format!(
                                "modulation depth {depth_percent}% is out of range; \
                                 expected 0 to 100"
                            ),
                        );
                    }
                }
                part.modulation = Some((
                    Modulation {
                        frequency_hz,
                        depth_percent,
                    },
                    at,
                ));
            }
        }
        if self.eat(b'/') {
            part.duration_ms =
                Some(self.whole("a duration in milliseconds", "duration", MAX_PART_MS)?);
        }
        Ok(part)
    }

    fn plan(&mut self) -> Result<TonePlan, PlanParseError> {
        let mut parts = Vec::new();
        loop {
            if parts.len() == MAX_PARTS {
                return self.error(self.pos, format!("more than {MAX_PARTS} parts"));
            }
            parts.push(self.part()?);
            if !self.eat(b',') {
                break;
            }
        }
        let mut repeat = Repeat::Forever;
        let mut default_level = DEFAULT_TONE_LEVEL_DBM0;
        while self.eat(b';') {
            self.skip_space();
            let key_at = self.pos;
            while self.text.get(self.pos).is_some_and(u8::is_ascii_lowercase) {
                self.pos += 1;
            }
            let key = &self.text[key_at..self.pos];
            if !matches!(key, b"repeat" | b"level") {
                self.pos = key_at;
                let found = self.found();
                return self.error(
                    key_at,
                    format!("expected an option \"repeat=\" or \"level=\", found {found}"),
                );
            }
            if !self.eat(b'=') {
                let found = self.found();
                return self.error(self.pos, format!("expected '=', found {found}"));
            }
            self.skip_space();
            if key == b"level" {
                default_level = self.level()?;
            } else if self.text[self.pos..].starts_with(b"forever") {
                self.pos += "forever".len();
                repeat = Repeat::Forever;
            } else {
                repeat = Repeat::Times(self.whole(
                    "a repeat count or \"forever\"",
                    "repeat count",
                    u32::MAX,
                )?);
            }
        }
        self.skip_space();
        if self.pos < self.text.len() {
            let found = self.found();
            return self.error(
                self.pos,
                format!(
                    "expected ',' and another part, ';' and an option, or the end; \
                     found {found}"
                ),
            );
        }
        self.build(parts, repeat, default_level)
    }

    /// Resolves levels and checks the rules that span parts.
    fn build(
        &self,
        raw: Vec<RawPart>,
        repeat: Repeat,
        default_level: f64,
    ) -> Result<TonePlan, PlanParseError> {
        let last = raw.len() - 1;
        let mut repeating = false;
        let mut parts = Vec::with_capacity(raw.len());
        for (i, part) in raw.into_iter().enumerate() {
            if part.duration_ms.is_none() && i != last {
                return self.error(
                    part.at,
                    "this part has no \"/duration\", so it plays forever and the parts after \
                     it would never play; give it a duration or make it the last part",
                );
            }
            if part.once && repeating {
                return self.error(
                    part.at,
                    "'!' (play once) marks intro parts, which must all come before the first \
                     repeated part",
                );
            }
            repeating |= !part.once;
            let mut tones = [Tone::new(0.0, 0.0); MAX_TONES];
            for (slot, tone) in tones.iter_mut().zip(&part.tones) {
                *slot = Tone::new(tone.frequency_hz, tone.level_dbm0.unwrap_or(default_level));
            }
            let sound = ToneSet::new(&tones[..part.tones.len()]).or_else(|e| {
                let at = part.tones.first().map_or(part.at, |t| t.at);
                self.error(at, e.to_string())
            })?;
            let sound = match part.modulation {
                Some((m, at)) => sound
                    .modulated(m)
                    .or_else(|e| self.error(at, e.to_string()))?,
                None => sound,
            };
            parts.push(TonePart {
                sound,
                duration_ms: part.duration_ms,
                once: part.once,
            });
        }
        TonePlan::new(parts, repeat).or_else(|e| self.error(0, e.to_string()))
    }
}

impl fmt::Display for TonePlan {
    /// The canonical text form: every level explicit, `;repeat=N` when the repeat is finite.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.parts().iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if part.once {
                f.write_str("!")?;
            }
            if part.sound.is_silence() {
                f.write_str("0")?;
            }
            for (j, tone) in part.sound.tones().iter().enumerate() {
                if j > 0 {
                    f.write_str("+")?;
                }
                write!(f, "{}@{}", tone.frequency_hz, tone.level_dbm0)?;
            }
            if let Some(m) = part.sound.modulation() {
                write!(f, "*{}%{}", m.frequency_hz, m.depth_percent)?;
            }
            if let Some(ms) = part.duration_ms {
                write!(f, "/{ms}")?;
            }
        }
        if let Repeat::Times(n) = self.repeat() {
            write!(f, ";repeat={n}")?;
        }
        Ok(())
    }
}
