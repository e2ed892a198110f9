//! mediacore for Python (placeholder until the binding lands).
