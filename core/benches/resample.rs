//! Resampler cost per 20 ms frame (being written).
fn main() {}
