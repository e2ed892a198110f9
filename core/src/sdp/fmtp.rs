//! Format parameters: the text after `a=fmtp:<pt> ` (RFC 4566 §6), as `name=value` pairs
//! and bare values separated by `;`.

use core::fmt;

use crate::error::SdpError;

/// RFC 7587 §6.1 opus parameter: the most audio bandwidth the receiver renders, in Hz.
pub const OPUS_MAXPLAYBACKRATE: &str = "maxplaybackrate";
/// RFC 7587 §6.1 opus parameter: the most audio bandwidth the sender captures, in Hz.
pub const OPUS_SPROP_MAXCAPTURERATE: &str = "sprop-maxcapturerate";
/// RFC 7587 §6.1 opus parameter: `1` if the receiver prefers stereo.
pub const OPUS_STEREO: &str = "stereo";
/// RFC 7587 §6.1 opus parameter: `1` if the sender is likely to send stereo.
pub const OPUS_SPROP_STEREO: &str = "sprop-stereo";
/// RFC 7587 §6.1 opus parameter: `1` if the receiver can use in-band forward error correction.
pub const OPUS_USEINBANDFEC: &str = "useinbandfec";
/// RFC 7587 §6.1 opus parameter: `1` if the receiver prefers discontinuous transmission.
pub const OPUS_USEDTX: &str = "usedtx";
/// RFC 7587 §6.1 opus parameter: the most average bit rate the receiver wants, in bit/s.
pub const OPUS_MAXAVERAGEBITRATE: &str = "maxaveragebitrate";
/// RFC 7587 §6.1 opus parameter: `1` if the receiver prefers constant bit rate.
pub const OPUS_CBR: &str = "cbr";
/// RFC 7587 §6.1 opus parameter: the least packet time the receiver wants, in ms.
pub const OPUS_MINPTIME: &str = "minptime";

/// One `;`-separated item of an fmtp value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Item {
    /// `name=value`; the name compares case-insensitively.
    Pair(String, String),
    /// A value without a name, such as telephone-event's `0-15` (RFC 4733 §7.1.1).
    Bare(String),
}

/// The format-specific parameters of one payload format, in the order they were written.
///
/// Names compare case-insensitively; values are kept as written. Every item is checked
/// when it is added, so rendering always gives text that parses back to the same items.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FmtpParams {
    items: Vec<Item>,
}

impl FmtpParams {
    /// No parameters.
    pub fn new() -> FmtpParams {
        FmtpParams::default()
    }

    /// Parses `k=v;k2=v2` (items may also be bare values); whitespace around items is
    /// dropped and empty items are skipped.
    pub fn parse(text: &str) -> Result<FmtpParams, SdpError> {
        parse_items(text).map_err(|expected| SdpError::Malformed {
            line: 0,
            attribute: "fmtp parameters",
            value: SdpError::excerpt(text),
            expected,
        })
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The value of the first `name=value` item whose name matches `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The value of `name` read as a `0`/`1` flag; `None` when absent or not a flag.
    pub fn flag(&self, name: &str) -> Option<bool> {
        match self.get(name)? {
            "0" => Some(false),
            "1" => Some(true),
            _ => None,
        }
    }

    /// The value of `name` read as a decimal number; `None` when absent or not a number.
    pub fn number(&self, name: &str) -> Option<u32> {
        let value = self.get(name)?;
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        value.parse().ok()
    }

    /// Sets `name` to `value`, replacing the first item of that name or appending one.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), SdpError> {
        check_name(name).map_err(|expected| invalid("fmtp parameter name", name, expected))?;
        check_pair_value(value)
            .map_err(|expected| invalid("fmtp parameter value", value, expected))?;
        match self
            .items
            .iter_mut()
            .find(|i| matches!(i, Item::Pair(n, _) if n.eq_ignore_ascii_case(name)))
        {
            Some(Item::Pair(_, v)) => *v = value.to_owned(),
            _ => self
                .items
                .push(Item::Pair(name.to_owned(), value.to_owned())),
        }
        Ok(())
    }

    /// Like [`FmtpParams::set`], by value, for building parameters in one expression.
    pub fn with(mut self, name: &str, value: &str) -> Result<FmtpParams, SdpError> {
        self.set(name, value)?;
        Ok(self)
    }

    /// Appends a bare value (an item without `name=`).
    pub fn push_value(&mut self, value: &str) -> Result<(), SdpError> {
        check_bare(value).map_err(|expected| invalid("fmtp value", value, expected))?;
        self.items.push(Item::Bare(value.to_owned()));
        Ok(())
    }

    /// Removes every item named `name`.
    pub fn remove(&mut self, name: &str) {
        self.items
            .retain(|i| !matches!(i, Item::Pair(n, _) if n.eq_ignore_ascii_case(name)));
    }

    /// Removes every bare value.
    pub fn clear_values(&mut self) {
        self.items.retain(|i| !matches!(i, Item::Bare(_)));
    }

    /// The `name=value` items, in order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.items.iter().filter_map(|i| match i {
            Item::Pair(n, v) => Some((n.as_str(), v.as_str())),
            Item::Bare(_) => None,
        })
    }

    /// The bare values, in order.
    pub fn values(&self) -> impl Iterator<Item = &str> {
        self.items.iter().filter_map(|i| match i {
            Item::Bare(v) => Some(v.as_str()),
            Item::Pair(..) => None,
        })
    }

    /// The items in a form where order and name case do not matter: names in lower
    /// case (bare values under the empty name), sorted.
    pub(crate) fn normalized(&self) -> Vec<(String, String)> {
        let mut items: Vec<(String, String)> = self
            .items
            .iter()
            .map(|i| match i {
                Item::Pair(n, v) => (n.to_ascii_lowercase(), v.clone()),
                Item::Bare(v) => (String::new(), v.clone()),
            })
            .collect();
        items.sort();
        items
    }
}

/// Parses the items of an fmtp value, or says what was expected.
pub(crate) fn parse_items(text: &str) -> Result<FmtpParams, &'static str> {
    let mut items = Vec::new();
    for item in text.split(';') {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        match item.split_once('=') {
            Some((name, value)) => {
                let (name, value) = (name.trim(), value.trim());
                check_name(name)?;
                check_pair_value(value)?;
                items.push(Item::Pair(name.to_owned(), value.to_owned()));
            }
            None => {
                check_bare(item)?;
                items.push(Item::Bare(item.to_owned()));
            }
        }
    }
    Ok(FmtpParams { items })
}

const EXPECTED_NAME: &str = "parameter names of visible ASCII characters other than '=' and ';'";
const EXPECTED_VALUE: &str =
    "parameter values without ';', control characters or surrounding spaces";

fn check_name(name: &str) -> Result<(), &'static str> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'=' && b != b';');
    if ok { Ok(()) } else { Err(EXPECTED_NAME) }
}

fn check_pair_value(value: &str) -> Result<(), &'static str> {
    let ok = value.trim() == value && !value.chars().any(|c| c == ';' || c.is_control());
    if ok { Ok(()) } else { Err(EXPECTED_VALUE) }
}

fn check_bare(value: &str) -> Result<(), &'static str> {
    if value.is_empty() || value.contains('=') {
        return Err(EXPECTED_VALUE);
    }
    check_pair_value(value)
}

fn invalid(what: &'static str, value: &str, expected: &'static str) -> SdpError {
    SdpError::InvalidValue {
        what,
        value: SdpError::excerpt(value),
        expected,
    }
}

impl fmt::Display for FmtpParams {
    /// Writes the items joined by `;`, as they appear after `a=fmtp:<pt> `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                f.write_str(";")?;
            }
            match item {
                Item::Pair(n, v) => write!(f, "{n}={v}")?,
                Item::Bare(v) => f.write_str(v)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_and_bare_values_parse_in_order() {
        let p = FmtpParams::parse("minptime=10; useinbandfec=1;;").unwrap();
        assert_eq!(p.to_string(), "minptime=10;useinbandfec=1");
        assert_eq!(p.get("USEINBANDFEC"), Some("1"));
        assert_eq!(p.flag(OPUS_USEINBANDFEC), Some(true));
        assert_eq!(p.number(OPUS_MINPTIME), Some(10));
        assert_eq!(p.get("stereo"), None);

        let te = FmtpParams::parse("0-15").unwrap();
        assert_eq!(te.values().collect::<Vec<_>>(), ["0-15"]);
        assert_eq!(te.pairs().count(), 0);

        // Values may hold '=' (base64), names may not be empty.
        let cfg = FmtpParams::parse("config=AAB==").unwrap();
        assert_eq!(cfg.get("config"), Some("AAB=="));
        assert!(FmtpParams::parse("=5").is_err());
        assert!(FmtpParams::parse("a b=1").is_err());
    }

    #[test]
    fn set_replaces_and_checks() {
        let mut p = FmtpParams::parse("Stereo=0;usedtx=1").unwrap();
        p.set("stereo", "1").unwrap();
        assert_eq!(p.to_string(), "Stereo=1;usedtx=1");
        p.remove("USEDTX");
        assert_eq!(p.to_string(), "Stereo=1");
        let err = p.set("bad;name", "1").unwrap_err();
        assert!(matches!(err, SdpError::InvalidValue { .. }));
        assert!(p.set("x", " 1").is_err());
        assert!(p.push_value("a=b").is_err());
    }

    #[test]
    fn normalized_ignores_order_and_name_case() {
        let a = FmtpParams::parse("A=1;b=2").unwrap();
        let b = FmtpParams::parse("b=2;a=1").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.normalized(), b.normalized());
    }
}
