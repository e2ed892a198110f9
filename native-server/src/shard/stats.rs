//! Tick and queue measurements of a shard: written by the shard with relaxed atomics, read
//! by the API as a [`ShardStatsSnapshot`] (`GET /v1/stats`).

use core::time::Duration;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::LATE_TICK_THRESHOLD;

/// Upper edges of the tick lateness histogram's buckets, in microseconds; a last, open
/// bucket takes everything later.
pub const LATENESS_BUCKETS_US: [u64; 20] = [
    50, 100, 250, 500, 750, 1_000, 1_500, 2_000, 2_500, 3_000, 3_500, 4_000, 4_500, 5_000, 7_500,
    10_000, 20_000, 50_000, 100_000, 250_000,
];

/// Tick and queue measurements of one shard, written by the shard and read by the API.
#[derive(Debug, Default)]
pub struct ShardStats {
    pub(super) sessions: AtomicU64,
    ticks: AtomicU64,
    ticks_late: AtomicU64,
    ticks_skipped: AtomicU64,
    lateness_last_us: AtomicU64,
    lateness_max_us: AtomicU64,
    lateness_total_us: AtomicU64,
    work_max_us: AtomicU64,
    work_total_us: AtomicU64,
    pub(super) datagrams: AtomicU64,
    inbound_dropped: AtomicU64,
    /// Ticks per lateness bucket ([`LATENESS_BUCKETS_US`], then the open one).
    lateness_buckets: [AtomicU64; LATENESS_BUCKETS_US.len() + 1],
}

impl ShardStats {
    pub(super) fn record_tick(&self, lateness: Duration, skipped: u64) {
        let us = micros(lateness);
        self.ticks.fetch_add(1, Ordering::Relaxed);
        self.ticks_skipped.fetch_add(skipped, Ordering::Relaxed);
        if lateness > LATE_TICK_THRESHOLD {
            self.ticks_late.fetch_add(1, Ordering::Relaxed);
        }
        self.lateness_last_us.store(us, Ordering::Relaxed);
        self.lateness_max_us.fetch_max(us, Ordering::Relaxed);
        self.lateness_total_us.fetch_add(us, Ordering::Relaxed);
        let bucket = LATENESS_BUCKETS_US.partition_point(|&edge| edge < us);
        self.lateness_buckets[bucket].fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn record_work(&self, work: Duration) {
        let us = micros(work);
        self.work_max_us.fetch_max(us, Ordering::Relaxed);
        self.work_total_us.fetch_add(us, Ordering::Relaxed);
    }

    /// Counts a datagram dropped because the inbound queue was full.
    pub(crate) fn record_inbound_dropped(&self) {
        self.inbound_dropped.fetch_add(1, Ordering::Relaxed);
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// A copy of one shard's measurements, as served by `GET /v1/stats`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShardStatsSnapshot {
    /// The shard's index.
    pub index: usize,
    /// The tick period in milliseconds.
    pub tick_ms: u64,
    /// Sessions the shard drives now.
    pub sessions: u64,
    /// Ticks run.
    pub ticks: u64,
    /// Ticks that started more than `late_threshold_us` after their deadline.
    pub ticks_late: u64,
    /// Deadlines skipped because a tick ran more than a whole period late.
    pub ticks_skipped: u64,
    /// What counts as late, in microseconds.
    pub late_threshold_us: u64,
    /// Lateness of the last tick, in microseconds.
    pub lateness_last_us: u64,
    /// Largest tick lateness seen, in microseconds.
    pub lateness_max_us: u64,
    /// Mean tick lateness, in microseconds.
    pub lateness_mean_us: f64,
    /// Longest time one tick spent driving its sessions, in microseconds.
    pub work_max_us: u64,
    /// Mean time per tick spent driving sessions, in microseconds.
    pub work_mean_us: f64,
    /// Datagrams handed to sessions.
    pub datagrams: u64,
    /// Datagrams dropped because the inbound queue was full.
    pub inbound_dropped: u64,
    /// Total time spent driving sessions, in microseconds (its growth over wall-clock time
    /// is the shard's load).
    pub work_total_us: u64,
    /// How late ticks started: counts per bucket.
    pub lateness_histogram: LatenessHistogram,
}

/// Ticks counted by how late they started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatenessHistogram {
    /// Each bucket's upper edge in microseconds (inclusive); the last bucket, one more than
    /// there are edges, takes every later tick.
    pub upper_bounds_us: Vec<u64>,
    /// Ticks per bucket (not cumulative).
    pub counts: Vec<u64>,
    /// Sum of all lateness, in microseconds.
    pub sum_us: u64,
}

impl ShardStatsSnapshot {
    pub(super) fn from_stats(index: usize, tick: Duration, stats: &ShardStats) -> Self {
        let ticks = stats.ticks.load(Ordering::Relaxed);
        let mean = |total: &AtomicU64| {
            if ticks == 0 {
                0.0
            } else {
                total.load(Ordering::Relaxed) as f64 / ticks as f64
            }
        };
        ShardStatsSnapshot {
            index,
            tick_ms: tick.as_millis() as u64,
            sessions: stats.sessions.load(Ordering::Relaxed),
            ticks,
            ticks_late: stats.ticks_late.load(Ordering::Relaxed),
            ticks_skipped: stats.ticks_skipped.load(Ordering::Relaxed),
            late_threshold_us: micros(LATE_TICK_THRESHOLD),
            lateness_last_us: stats.lateness_last_us.load(Ordering::Relaxed),
            lateness_max_us: stats.lateness_max_us.load(Ordering::Relaxed),
            lateness_mean_us: mean(&stats.lateness_total_us),
            work_max_us: stats.work_max_us.load(Ordering::Relaxed),
            work_mean_us: mean(&stats.work_total_us),
            datagrams: stats.datagrams.load(Ordering::Relaxed),
            inbound_dropped: stats.inbound_dropped.load(Ordering::Relaxed),
            work_total_us: stats.work_total_us.load(Ordering::Relaxed),
            lateness_histogram: LatenessHistogram {
                upper_bounds_us: LATENESS_BUCKETS_US.to_vec(),
                counts: stats
                    .lateness_buckets
                    .iter()
                    .map(|c| c.load(Ordering::Relaxed))
                    .collect(),
                sum_us: stats.lateness_total_us.load(Ordering::Relaxed),
            },
        }
    }
}
