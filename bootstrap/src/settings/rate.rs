use serde::Deserialize;

/// A rate written `N/unit` with unit `s`, `sec`, `min`, `h` or `hour`, e.g. `20/min`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct RateLimit {
    /// How many events a window admits.
    pub count: u32,
    /// The window length in seconds.
    pub window_seconds: u32,
}

impl RateLimit {
    /// `count` per minute.
    pub const fn per_minute(count: u32) -> Self {
        Self {
            count,
            window_seconds: 60,
        }
    }

    /// Parses `N/unit`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is not a rate like 20/min");
        let (count, unit) = s.trim().split_once('/').ok_or_else(bad)?;
        let count = count.trim().parse().map_err(|_| bad())?;
        let window_seconds = match unit.trim() {
            "s" | "sec" | "second" => 1,
            "m" | "min" | "minute" => 60,
            "h" | "hour" => 3600,
            _ => return Err(bad()),
        };
        Ok(Self {
            count,
            window_seconds,
        })
    }
}

impl TryFrom<String> for RateLimit {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_per_minute_parses() {
        assert_eq!(
            RateLimit::parse("20/min").unwrap(),
            RateLimit::per_minute(20)
        );
        assert_eq!(
            RateLimit::parse("5/h").unwrap(),
            RateLimit {
                count: 5,
                window_seconds: 3600
            }
        );
    }

    #[test]
    fn a_rate_without_a_known_unit_is_refused() {
        assert!(RateLimit::parse("20").is_err());
        assert!(RateLimit::parse("20/week").is_err());
        assert!(RateLimit::parse("x/min").is_err());
    }
}
