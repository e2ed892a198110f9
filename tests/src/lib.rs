//! Helpers shared by the cross-crate tests: external oracles (sox, ffmpeg, SpanDSP,
//! opus-tools) run as child processes, scratch directories, Ogg Opus files, and a seeded
//! network path simulator.
//!
//! A missing oracle is a test failure with a message naming the package to install, never
//! a silent skip: `scripts/setup.sh` installs them all.

pub mod align;
pub mod alloc_count;
pub mod netsim;
pub mod ogg_opus;
pub mod oracle;
