//! What the benches share: building a C helper from `tests/oracles` and running it on
//! stdin, to measure a reference implementation in the same run as ours.
//!
//! A helper that times itself prints whitespace-separated mean nanoseconds per round;
//! [`helper_figure`] reads one of them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Builds `tests/oracles/<name>.c` with `cc -O2`, linked with `-l<lib>`, or says why not
/// (naming `debian_package`, which provides the library's headers).
pub fn build_helper(name: &str, lib: &str, debian_package: &str) -> Result<PathBuf, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/oracles")
        .join(format!("{name}.c"));
    let exe = std::env::temp_dir().join(format!("mediacore-bench-{name}-{}", std::process::id()));
    let status = Command::new("cc")
        .arg("-O2")
        .arg("-o")
        .arg(&exe)
        .arg(&src)
        .arg(format!("-l{lib}"))
        .status()
        .map_err(|e| format!("cannot run cc: {e}"))?;
    if !status.success() {
        return Err(format!("cc failed; is {debian_package} installed?"));
    }
    Ok(exe)
}

/// Runs `program` with `args`, feeding `input`; returns its stdout or why it failed.
pub fn run(program: &Path, args: &[String], input: &[u8]) -> Result<Vec<u8>, String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    // The programs used here read all their input before they write, so this cannot block.
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(input)
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "{} {args:?} failed: {}",
            program.display(),
            out.status
        ));
    }
    Ok(out.stdout)
}

/// The `index`th figure (from 0) a timing helper prints for `args` on `input`: mean
/// nanoseconds per round.
pub fn helper_figure(
    exe: &Path,
    args: &[String],
    input: &[u8],
    index: usize,
) -> Result<f64, String> {
    let out = run(exe, args, input)?;
    let text = String::from_utf8_lossy(&out);
    text.split_whitespace()
        .nth(index)
        .and_then(|figure| figure.parse().ok())
        .ok_or_else(|| format!("unexpected output from the helper: {:?}", text.trim()))
}
