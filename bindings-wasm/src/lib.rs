//! mediacore for the browser (placeholder until the binding lands).
