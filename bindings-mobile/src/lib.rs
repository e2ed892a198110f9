//! mediacore for mobile (placeholder until the binding lands).
