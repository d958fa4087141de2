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
///
/// Timed one by one, a round trip is a lap: from the end of one round (its answer read and
/// checked) to the end of the next. One clock read per round instead of two (before the ping,
/// after the pong), and the laps add up to the loop's whole time, so their mean is the mean.
pub struct RoundTrips {
    each: bool,
    last: Instant,
    histogram: Option<Histogram<u64>>,
}

impl RoundTrips {
    /// Each round timed (`percentiles`), or only the whole loop.
    pub fn new(percentiles: bool) -> RoundTrips {
        RoundTrips {
            each: percentiles,
            last: Instant::now(),
            // 1 ns to 60 s at 3 significant figures: about 200 KiB, allocated before the
            // clock runs.
            histogram: percentiles
                .then(|| Histogram::new_with_bounds(1, 60_000_000_000, 3).ok())
                .flatten(),
        }
    }

    /// The loop starts now: the first lap's start, returned for the loop's own clock.
    pub fn begin(&mut self) -> Instant {
        self.last = Instant::now();
        self.last
    }

    /// A round ended: its lap is recorded when each round is timed and this one `counts` (it
    /// is past the warm-up). Without percentiles, nothing: no clock read.
    #[inline]
    pub fn lap(&mut self, counts: bool) {
        if self.each {
            let now = Instant::now();
            if counts {
                self.record(now.duration_since(self.last).as_nanos() as u64);
            }
            self.last = now;
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
