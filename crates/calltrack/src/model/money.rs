//! Currencies and money in integer minor units.

use serde::{Deserialize, Serialize};

use super::*;

/// An ISO 4217 currency code with its minor-unit exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let b = s.trim().as_bytes();
        if b.len() == 3 && b.iter().all(|c| c.is_ascii_alphabetic()) {
            Ok(Self([
                b[0].to_ascii_uppercase(),
                b[1].to_ascii_uppercase(),
                b[2].to_ascii_uppercase(),
            ]))
        } else {
            Err(Invalid::new("currency", "must be a 3-letter ISO 4217 code"))
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point (JPY 0, KWD 3, most others 2).
    pub fn exponent(&self) -> u32 {
        match self.as_str() {
            "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" => 0,
            "KWD" | "BHD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
            _ => 2,
        }
    }

    /// Parses a decimal amount in major units (`12.50`) into minor units, exactly (no floats).
    pub fn parse_major(&self, s: &str) -> Result<i64, Invalid> {
        let bad = || {
            Invalid::new(
                "amount",
                format!("'{s}' is not a decimal amount in {}", self.as_str()),
            )
        };
        let s = s.trim();
        let (neg, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty()
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let exp = self.exponent() as usize;
        if frac.len() > exp {
            return Err(Invalid::new(
                "amount",
                format!("'{s}' has more than {exp} decimal places"),
            ));
        }
        let scale = 10i64.pow(exp as u32);
        let whole: i64 = int.parse().map_err(|_| bad())?;
        let mut f: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        f *= 10i64.pow((exp - frac.len()) as u32);
        let v = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(f))
            .ok_or_else(bad)?;
        Ok(if neg { -v } else { v })
    }

    /// Minor units to a decimal number in major units for JSON meant for people.
    pub fn to_major(&self, minor: i64) -> f64 {
        minor as f64 / 10f64.powi(self.exponent() as i32)
    }

    /// Minor units formatted with the currency's digits (`1234.50`).
    pub fn format(&self, minor: i64) -> String {
        let exp = self.exponent();
        if exp == 0 {
            return minor.to_string();
        }
        let scale = 10i64.pow(exp);
        let sign = if minor < 0 { "-" } else { "" };
        let a = minor.unsigned_abs();
        format!(
            "{sign}{}.{:0width$}",
            a / scale as u64,
            a % scale as u64,
            width = exp as usize
        )
    }
}

impl TryFrom<String> for Currency {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_string()
    }
}
