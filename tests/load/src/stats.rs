//! Latency samples per worker, merged into a summary: rate, percentiles, errors.

use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

/// The latencies (µs) of the successful calls of one kind, and the count of failed ones.
#[derive(Debug, Default)]
pub struct Series {
    latencies_us: Vec<u32>,
    errors: u64,
}

impl Series {
    /// Adds one successful call.
    pub fn ok(&mut self, took: Duration) {
        let us = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
        self.latencies_us.push(us);
    }

    /// Adds one failed call.
    pub fn error(&mut self) {
        self.errors += 1;
    }

    /// Appends another worker's samples.
    pub fn merge(&mut self, other: Series) {
        self.latencies_us.extend(other.latencies_us);
        self.errors += other.errors;
    }

    /// Mean latency of the successful calls, if any.
    pub fn mean(&self) -> Option<Duration> {
        let n = self.latencies_us.len() as u64;
        let sum: u64 = self.latencies_us.iter().map(|&us| u64::from(us)).sum();
        sum.checked_div(n).map(Duration::from_micros)
    }

    /// Rate, percentiles and errors over `elapsed`.
    pub fn summary(mut self, elapsed: Duration) -> Summary {
        self.latencies_us.sort_unstable();
        let ms = |p: f64| percentile(&self.latencies_us, p) as f64 / 1000.0;
        let requests = self.latencies_us.len() as u64;
        Summary {
            requests,
            errors: self.errors,
            rps: requests as f64 / elapsed.as_secs_f64().max(1e-9),
            p50_ms: ms(50.0),
            p90_ms: ms(90.0),
            p99_ms: ms(99.0),
            p999_ms: ms(99.9),
            max_ms: ms(100.0),
            mean_ms: self.mean().map_or(0.0, |d| d.as_micros() as f64 / 1000.0),
            elapsed_s: elapsed.as_secs_f64(),
        }
    }
}

/// Nearest-rank percentile of sorted samples (0 when there are none).
fn percentile(sorted: &[u32], p: f64) -> u32 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// What one series came to, as printed.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Successful calls measured.
    pub requests: u64,
    /// Failed calls measured (non-2xx/302 or transport errors).
    pub errors: u64,
    /// Successful calls per second.
    pub rps: f64,
    /// Median latency.
    pub p50_ms: f64,
    /// 90th percentile latency.
    pub p90_ms: f64,
    /// 99th percentile latency.
    pub p99_ms: f64,
    /// 99.9th percentile latency (issue 20: rare stalls show here before they reach the max).
    pub p999_ms: f64,
    /// Slowest call.
    pub max_ms: f64,
    /// Mean latency.
    pub mean_ms: f64,
    /// The measured window.
    pub elapsed_s: f64,
}

impl Summary {
    /// One human-readable line.
    pub fn human(&self, label: &str) -> String {
        format!(
            "{label:<14} {:>9.1} req/s  p50 {:>7.2} ms  p90 {:>7.2} ms  p99 {:>7.2} ms  \
             p99.9 {:>7.2} ms  max {:>8.2} ms  errors {}  (n={} in {:.1} s)",
            self.rps,
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.p999_ms,
            self.max_ms,
            self.errors,
            self.requests,
            self.elapsed_s
        )
    }
}

/// Keeps the first error message of a run, to print it once.
#[derive(Debug, Default)]
pub struct ErrorLog {
    first: Mutex<Option<String>>,
}

impl ErrorLog {
    /// Prints and stores `error` if it is the first one.
    pub fn note(&self, error: &anyhow::Error) {
        if let Ok(mut first) = self.first.lock()
            && first.is_none()
        {
            let text = format!("{error:#}");
            eprintln!("first error: {text}");
            *first = Some(text);
        }
    }

    /// The first error, if any.
    pub fn first(&self) -> Option<String> {
        self.first.lock().ok().and_then(|first| first.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&samples, 50.0), 50);
        assert_eq!(percentile(&samples, 99.0), 99);
        assert_eq!(percentile(&samples, 100.0), 100);
        assert_eq!(percentile(&[7], 90.0), 7);
        assert_eq!(percentile(&[], 50.0), 0);
    }

    #[test]
    fn a_summary_counts_rate_over_the_window() {
        let mut series = Series::default();
        for ms in 1..=10 {
            series.ok(Duration::from_millis(ms));
        }
        series.error();
        let summary = series.summary(Duration::from_secs(2));
        assert_eq!(summary.requests, 10);
        assert_eq!(summary.errors, 1);
        assert!((summary.rps - 5.0).abs() < 1e-9);
        assert!((summary.p50_ms - 5.0).abs() < 1e-9);
    }
}
