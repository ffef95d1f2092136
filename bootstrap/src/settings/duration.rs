use serde::Deserialize;

/// A duration written as a whole number and a unit: `50ms`, `10s`, `10m`, `1h`, `30d` (`0s`
/// allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ConfigDuration(time::Duration);

impl ConfigDuration {
    /// Parses `<n><ms|s|m|h|d>`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (number, unit) = s.split_at(split);
        let bad = || format!("`{s}` is not a duration like 50ms, 30s, 10m, 1h or 30d");
        let n: i64 = number.parse().map_err(|_| bad())?;
        if unit == "ms" {
            return Ok(Self(time::Duration::milliseconds(n)));
        }
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => return Err(bad()),
        };
        const TEN_YEARS: i64 = 3650 * 86_400;
        n.checked_mul(seconds)
            .filter(|total| *total <= TEN_YEARS)
            .map(|total| Self(time::Duration::seconds(total)))
            .ok_or_else(|| format!("`{s}` is longer than ten years"))
    }

    /// `n` milliseconds.
    pub const fn millis(n: i64) -> Self {
        Self(time::Duration::milliseconds(n))
    }

    /// `n` seconds.
    pub const fn seconds(n: i64) -> Self {
        Self(time::Duration::seconds(n))
    }

    /// `n` minutes.
    pub const fn minutes(n: i64) -> Self {
        Self(time::Duration::minutes(n))
    }

    /// `n` hours.
    pub const fn hours(n: i64) -> Self {
        Self(time::Duration::hours(n))
    }

    /// The value.
    pub fn get(&self) -> time::Duration {
        self.0
    }
}

impl From<time::Duration> for ConfigDuration {
    fn from(duration: time::Duration) -> Self {
        Self(duration)
    }
}

impl From<ConfigDuration> for time::Duration {
    fn from(duration: ConfigDuration) -> Self {
        duration.0
    }
}

impl TryFrom<String> for ConfigDuration {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_unit_of_the_spec_parses() {
        assert_eq!(
            ConfigDuration::parse("10s").unwrap().get(),
            time::Duration::seconds(10)
        );
        assert_eq!(
            ConfigDuration::parse("10m").unwrap().get(),
            time::Duration::minutes(10)
        );
        assert_eq!(
            ConfigDuration::parse("1h").unwrap().get(),
            time::Duration::hours(1)
        );
        assert_eq!(
            ConfigDuration::parse("30d").unwrap().get(),
            time::Duration::days(30)
        );
        assert_eq!(
            ConfigDuration::parse("0s").unwrap().get(),
            time::Duration::ZERO
        );
        assert_eq!(
            ConfigDuration::parse("50ms").unwrap().get(),
            time::Duration::milliseconds(50)
        );
    }

    #[test]
    fn a_missing_or_unknown_unit_is_refused() {
        for bad in ["10", "h", "1w", "-1h", "1.5h", ""] {
            assert!(ConfigDuration::parse(bad).is_err(), "{bad}");
        }
    }
}
