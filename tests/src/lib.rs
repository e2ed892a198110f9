//! Helpers shared by the cross-crate tests: external oracles (sox, ffmpeg, SpanDSP) run as
//! child processes, and scratch directories.
//!
//! A missing oracle is a test failure with a message naming the package to install, never
//! a silent skip: `scripts/setup.sh` installs them all.

pub mod oracle;
