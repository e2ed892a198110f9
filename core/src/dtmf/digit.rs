//! [`Digit`]: the sixteen DTMF keys, with their RFC 4733 event codes and their tone pairs.

use crate::error::{Error, Result};

/// One DTMF key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Digit {
    /// `0`
    D0,
    /// `1`
    D1,
    /// `2`
    D2,
    /// `3`
    D3,
    /// `4`
    D4,
    /// `5`
    D5,
    /// `6`
    D6,
    /// `7`
    D7,
    /// `8`
    D8,
    /// `9`
    D9,
    /// `*`
    Star,
    /// `#`
    Hash,
    /// `A`
    A,
    /// `B`
    B,
    /// `C`
    C,
    /// `D`
    D,
}

/// The low (row) group of DTMF frequencies, in Hz (ITU-T Q.23).
pub const ROW_HZ: [f64; 4] = [697.0, 770.0, 852.0, 941.0];
/// The high (column) group of DTMF frequencies, in Hz (ITU-T Q.23).
pub const COLUMN_HZ: [f64; 4] = [1209.0, 1336.0, 1477.0, 1633.0];

impl Digit {
    /// All sixteen, in RFC 4733 event-code order (0-9, *, #, A-D).
    pub const ALL: [Digit; 16] = [
        Digit::D0,
        Digit::D1,
        Digit::D2,
        Digit::D3,
        Digit::D4,
        Digit::D5,
        Digit::D6,
        Digit::D7,
        Digit::D8,
        Digit::D9,
        Digit::Star,
        Digit::Hash,
        Digit::A,
        Digit::B,
        Digit::C,
        Digit::D,
    ];

    /// The RFC 4733 §3.2 event code: 0-9 for the digits, 10 for `*`, 11 for `#`, 12-15 for
    /// A-D.
    pub const fn event_code(self) -> u8 {
        self as u8
    }

    /// The digit of an RFC 4733 event code, `None` for codes that are not DTMF (16 and up).
    pub const fn from_event_code(code: u8) -> Option<Digit> {
        if (code as usize) < Digit::ALL.len() {
            Some(Digit::ALL[code as usize])
        } else {
            None
        }
    }

    /// The key's character: `0`-`9`, `*`, `#`, `A`-`D`.
    pub const fn as_char(self) -> char {
        match self {
            Digit::Star => '*',
            Digit::Hash => '#',
            Digit::A => 'A',
            Digit::B => 'B',
            Digit::C => 'C',
            Digit::D => 'D',
            d => (b'0' + d as u8) as char,
        }
    }

    /// The digit for a key character (`a`-`d` accepted in either case).
    pub fn from_char(c: char) -> Result<Digit> {
        match c {
            '0'..='9' => Ok(Digit::ALL[c as usize - '0' as usize]),
            '*' => Ok(Digit::Star),
            '#' => Ok(Digit::Hash),
            'A' | 'a' => Ok(Digit::A),
            'B' | 'b' => Ok(Digit::B),
            'C' | 'c' => Ok(Digit::C),
            'D' | 'd' => Ok(Digit::D),
            other => Err(Error::InvalidArgument(format!(
                "{other:?} is not a DTMF digit; expected 0-9, *, #, A-D"
            ))),
        }
    }

    /// Every digit of `digits` (e.g. `"123#"`), or an error naming the first character
    /// that is not one.
    pub fn parse_all(digits: &str) -> Result<Vec<Digit>> {
        digits.chars().map(Digit::from_char).collect()
    }

    /// The keypad position: (row, column), each 0..4.
    pub const fn position(self) -> (usize, usize) {
        match self {
            Digit::D1 => (0, 0),
            Digit::D2 => (0, 1),
            Digit::D3 => (0, 2),
            Digit::A => (0, 3),
            Digit::D4 => (1, 0),
            Digit::D5 => (1, 1),
            Digit::D6 => (1, 2),
            Digit::B => (1, 3),
            Digit::D7 => (2, 0),
            Digit::D8 => (2, 1),
            Digit::D9 => (2, 2),
            Digit::C => (2, 3),
            Digit::Star => (3, 0),
            Digit::D0 => (3, 1),
            Digit::Hash => (3, 2),
            Digit::D => (3, 3),
        }
    }

    /// The digit at a keypad position, `None` outside the 4 × 4 pad.
    pub fn at(row: usize, column: usize) -> Option<Digit> {
        Digit::ALL
            .into_iter()
            .find(|d| d.position() == (row, column))
    }

    /// The (low, high) tone pair in Hz.
    pub const fn frequencies(self) -> (f64, f64) {
        let (row, column) = self.position();
        (ROW_HZ[row], COLUMN_HZ[column])
    }
}

impl core::str::FromStr for Digit {
    type Err = Error;

    /// Exactly one key character (`"5"`, `"#"`, `"a"`).
    fn from_str(s: &str) -> Result<Digit> {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Digit::from_char(c),
            _ => Err(Error::InvalidArgument(format!(
                "{s:?} is not one DTMF digit; expected one of 0-9, *, #, A-D"
            ))),
        }
    }
}

impl core::fmt::Display for Digit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.as_char())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_characters_and_positions_agree() {
        for (code, d) in Digit::ALL.into_iter().enumerate() {
            assert_eq!(d.event_code() as usize, code);
            assert_eq!(Digit::from_event_code(code as u8), Some(d));
            assert_eq!(Digit::from_char(d.as_char()).unwrap(), d);
            let (r, c) = d.position();
            assert_eq!(Digit::at(r, c), Some(d));
        }
        assert_eq!(Digit::from_event_code(16), None);
        assert_eq!(Digit::from_char('*').unwrap().event_code(), 10);
        assert_eq!(Digit::from_char('#').unwrap().event_code(), 11);
        assert_eq!(Digit::D5.frequencies(), (770.0, 1336.0));
        assert_eq!(Digit::parse_all("12a#").unwrap().len(), 4);
        let err = Digit::parse_all("12x").unwrap_err().to_string();
        assert!(err.contains("'x'"), "{err}");
        assert_eq!("#".parse::<Digit>().unwrap(), Digit::Hash);
        for bad in ["12", "", "x"] {
            assert!(bad.parse::<Digit>().is_err(), "{bad:?}");
        }
    }
}
