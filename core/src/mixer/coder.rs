//! The encoders of an encoding group: the common one and those lent for members' own mixes.
//!
//! A receiver's decoder follows the stream it was sent. When a member switches from the
//! common payloads to its own, its encoder should continue from the state the common
//! encoder was in: G.722's state is copied exactly; an encoder whose state cannot be copied
//! (Opus) first codes the last frames of the common mix, which brings it close.

use super::group::GroupKey;
use crate::codec::g722::G722Encoder;
use crate::codec::{Codec, Encoder};
use crate::error::Result;

pub(super) enum Coder {
    /// Boxed: the state is 300 bytes; copied in place by `clone_from`.
    G722(Box<G722Encoder>),
    Other(Box<dyn Encoder>),
}

impl Coder {
    pub(super) fn new(key: &GroupKey) -> Result<Coder> {
        Ok(if key.codec == Codec::G722 {
            Coder::G722(Box::default())
        } else {
            Coder::Other(key.encoder()?)
        })
    }

    pub(super) fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize> {
        match self {
            Coder::G722(e) => e.encode(pcm, out),
            Coder::Other(e) => e.encode(pcm, out),
        }
    }

    pub(super) fn max_payload_len(&self, samples: usize) -> usize {
        match self {
            Coder::G722(e) => e.max_payload_len(samples),
            Coder::Other(e) => e.max_payload_len(samples),
        }
    }

    /// Takes over `other`'s state, when the codec allows it; returns whether it did.
    pub(super) fn follow(&mut self, other: &Coder) -> bool {
        match (self, other) {
            (Coder::G722(mine), Coder::G722(theirs)) => {
                mine.clone_from(theirs);
                true
            }
            _ => false,
        }
    }
}

impl core::fmt::Debug for Coder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Coder::G722(_) => f.write_str("Coder::G722"),
            Coder::Other(e) => write!(f, "Coder::Other({})", e.codec()),
        }
    }
}
