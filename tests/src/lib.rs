//! Helpers shared by the cross-crate tests: external oracles (sox, ffmpeg, SpanDSP) and
//! signal measurements.
