//! Phone numbers in E.164, and masking them for logs.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::*;

/// A phone number in E.164 (`+14155550100`), validated by libphonenumber's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parses a number in any common notation; without a `+` prefix, `default_region` (ISO 3166
    /// alpha-2) says which country it is dialled from. Digits only (`14155550100`) are tried as
    /// international, which is how several providers send them.
    pub fn parse(input: &str, default_region: Option<&str>) -> Result<Self, Invalid> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Invalid::new("phone", "empty phone number"));
        }
        if trimmed.len() > 32 {
            return Err(Invalid::new("phone", "too long for a phone number"));
        }
        let region = default_region.and_then(|r| r.parse::<phonenumber::country::Id>().ok());
        let attempt = |s: &str, r| {
            phonenumber::parse(r, s)
                .ok()
                .filter(phonenumber::is_valid)
                .map(|n| Self(n.format().mode(phonenumber::Mode::E164).to_string()))
        };
        let digits_only = trimmed.bytes().all(|b| b.is_ascii_digit());
        let parsed = if trimmed.starts_with('+') {
            attempt(trimmed, None)
        } else if trimmed.starts_with("00") && digits_only {
            attempt(&format!("+{}", &trimmed[2..]), None)
        } else {
            region.and_then(|r| attempt(trimmed, Some(r))).or_else(|| {
                if digits_only {
                    attempt(&format!("+{trimmed}"), None)
                } else {
                    None
                }
            })
        };
        parsed.ok_or_else(|| {
            Invalid::new(
                "phone",
                format!("'{}' is not a valid phone number", mask(trimmed)),
            )
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with its middle digits hidden, for logs: `+1415*****00`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Hides all but the first 5 and last 2 characters of a number-like string.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..5].iter().collect();
    out.extend(std::iter::repeat_n('*', chars.len() - 7));
    out.extend(&chars[chars.len() - 2..]);
    out
}

impl TryFrom<String> for PhoneNumber {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        // Stored values are already E.164; re-validate so bad data never deserialises silently.
        if s.starts_with('+')
            && s.len() >= 8
            && s.len() <= 16
            && s[1..].bytes().all(|b| b.is_ascii_digit())
        {
            Ok(Self(s))
        } else {
            Self::parse(&s, None)
        }
    }
}

impl From<PhoneNumber> for String {
    fn from(p: PhoneNumber) -> String {
        p.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
