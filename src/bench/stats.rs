//! The distribution of round trips, recorded in an HDR histogram (the `hdrhistogram` crate:
//! three significant figures from 1 ns to a minute, in constant memory however many rounds),
//! rather than a sorted vector.

use std::time::Instant;

use hdrhistogram::Histogram;

use super::model::{Bucket, Measurement};

/// Rounds below which p99.9 is not said: with fewer, it is one or two samples, not a tail.
pub const P999_FROM: u64 = 10_000;

/// A histogram of round trips in nanoseconds, or, without percentiles, nothing: the loop then
/// reads the clock only at its two ends, as `perf bench sched pipe` does.
pub struct RoundTrips {
    each: bool,
    histogram: Option<Histogram<u64>>,
}

impl RoundTrips {
    /// Each round timed (`percentiles`), or only the whole loop.
    pub fn new(percentiles: bool) -> RoundTrips {
        RoundTrips {
            each: percentiles,
            // 1 ns to 60 s at 3 significant figures: about 200 KiB, allocated before the
            // clock runs.
            histogram: percentiles
                .then(|| Histogram::new_with_bounds(1, 60_000_000_000, 3).ok())
                .flatten(),
        }
    }

    /// The clock at the start of a round, when each round is timed.
    #[inline]
    pub fn start(&self) -> Option<Instant> {
        self.each.then(Instant::now)
    }

    /// The end of a round begun at `started`: recorded when it was timed and `counts` (it is
    /// past the warm-up).
    #[inline]
    pub fn stop(&mut self, started: Option<Instant>, counts: bool) {
        if let Some(started) = started {
            let nanos = started.elapsed().as_nanos() as u64;
            if counts {
                self.record(nanos);
            }
        }
    }

    /// One round trip; one beyond a minute counts as a minute.
    pub fn record(&mut self, nanos: u64) {
        if let Some(h) = &mut self.histogram {
            h.saturating_record(nanos.max(1));
        }
    }

    /// Fills the row's percentiles (and, when asked, its histogram's buckets).
    pub fn fill(&self, result: &mut Measurement, buckets: bool) {
        let Some(h) = &self.histogram else { return };
        if h.is_empty() {
            return;
        }
        let us = |q: f64| h.value_at_quantile(q) as f64 / 1e3;
        result.rtt_median_us = Some(us(0.5));
        result.rtt_p90_us = Some(us(0.9));
        result.rtt_p99_us = Some(us(0.99));
        result.rtt_p999_us = (h.len() >= P999_FROM).then(|| us(0.999));
        result.rtt_max_us = Some(h.max() as f64 / 1e3);
        if buckets {
            result.histogram = Some(log_buckets(h));
        }
    }
}

/// Counts in buckets whose upper bounds double (1 µs, 2 µs, 4 µs …), up to the slowest round
/// trip: a shape an ASCII bar chart can show. The counts add up to the rounds.
fn log_buckets(h: &Histogram<u64>) -> Vec<Bucket> {
    let mut buckets = Vec::new();
    let mut lower = 0u64;
    let mut upper = 1_000u64; // ns
    let max = h.max();
    loop {
        let count = h.count_between(lower, upper.saturating_sub(1).max(lower));
        buckets.push(Bucket {
            up_to_us: upper as f64 / 1e3,
            count,
        });
        if upper > max {
            break;
        }
        lower = upper;
        upper = upper.saturating_mul(2);
    }
    // Leading empty buckets say nothing.
    let first = buckets.iter().position(|b| b.count > 0).unwrap_or(0);
    buckets.split_off(first)
}
