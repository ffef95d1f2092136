//! The median of several runs of one scenario, field by field, printed as a JSON line and
//! as a tab-separated `MEDIAN` line that `bench/run.sh` reads.

use serde_json::json;

use crate::scenarios::Report;
use crate::stats::Summary;

/// The median of `values` (the upper one of an even count); 0 when empty.
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// Field-by-field median of several summaries.
fn median_summary(runs: &[&Summary]) -> Summary {
    let m = |f: fn(&Summary) -> f64| median(runs.iter().map(|s| f(s)).collect());
    Summary {
        requests: m(|s| s.requests as f64) as u64,
        errors: m(|s| s.errors as f64) as u64,
        rps: m(|s| s.rps),
        p50_ms: m(|s| s.p50_ms),
        p90_ms: m(|s| s.p90_ms),
        p99_ms: m(|s| s.p99_ms),
        p999_ms: m(|s| s.p999_ms),
        max_ms: m(|s| s.max_ms),
        mean_ms: m(|s| s.mean_ms),
        elapsed_s: m(|s| s.elapsed_s),
    }
}

/// Prints the median of `reports` (runs of one scenario), and of their token calls.
pub fn print(reports: &[Report]) {
    let Some(first) = reports.first() else { return };
    let mains: Vec<&Summary> = reports.iter().map(|r| &r.main).collect();
    let worst = mains.iter().map(|s| s.max_ms).fold(0.0, f64::max);
    line(
        first.scenario,
        &median_summary(&mains),
        reports.len(),
        worst,
    );
    let calls: Vec<&Summary> = reports
        .iter()
        .filter_map(|r| r.token_call.as_ref())
        .collect();
    if !calls.is_empty() {
        let worst = calls.iter().map(|s| s.max_ms).fold(0.0, f64::max);
        let name = format!("{}.token_call", first.scenario);
        line(&name, &median_summary(&calls), calls.len(), worst);
    }
}

/// One scenario's median as JSON, then as the tab-separated line, which ends with the
/// slowest request of all the runs (`worst`, ms) and the median p99.9.
fn line(name: &str, s: &Summary, runs: usize, worst: f64) {
    println!(
        "{}",
        json!({"median_of": runs, "scenario": name, "summary": s})
    );
    println!(
        "MEDIAN\t{name}\t{:.1}\t{:.2}\t{:.2}\t{:.2}\t{}\t{}\t{runs}\t{worst:.2}\t{:.2}",
        s.rps, s.p50_ms, s.p90_ms, s.p99_ms, s.errors, s.requests, s.p999_ms
    );
    println!("{}", s.human(&format!("median {name}")));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_value() {
        assert!((median(vec![3.0, 1.0, 2.0]) - 2.0).abs() < 1e-9);
        assert!((median(vec![5.0]) - 5.0).abs() < 1e-9);
        assert!(median(vec![]).abs() < 1e-9);
    }
}
