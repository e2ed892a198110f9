//! CPU time of the measuring thread as a criterion [`Measurement`]: what the benches that
//! compare against a C helper measure, since the helper reports its own thread's CPU time
//! too and wall time on a shared 2-core machine carries other processes' noise.

use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};

/// CPU time of the calling thread. Off Linux, elapsed time instead.
pub struct ThreadTime;

/// CPU time of the calling thread so far.
#[cfg(target_os = "linux")]
pub fn thread_time() -> Duration {
    // CLOCK_THREAD_CPUTIME_ID, through a crate so that no `unsafe` is ours.
    cpu_time::ThreadTime::now().as_duration()
}

/// Time elapsed since the first call (no thread clock off Linux).
#[cfg(not(target_os = "linux"))]
pub fn thread_time() -> Duration {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    ORIGIN.get_or_init(std::time::Instant::now).elapsed()
}

impl Measurement for ThreadTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        thread_time()
    }

    fn end(&self, start: Duration) -> Duration {
        thread_time().saturating_sub(start)
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        // Values are nanoseconds, as WallTime's are, so its formatter applies.
        static WALL: WallTime = WallTime;
        WALL.formatter()
    }
}
