//! Relaying media between two call legs without transcoding: which payload types of one
//! leg the other accepts, and the payload type numbers to rewrite on the way.

use super::negotiate::PayloadMap;

/// Payload type rewriting for one direction of a relay: packets received on one leg,
/// forwarded on the other.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PtRewrite {
    map: Vec<(u8, u8)>,
    unmapped: Vec<u8>,
    audio_mapped: bool,
}

impl PtRewrite {
    /// Maps each payload type we receive on the leg `from` to the payload type the leg `to`
    /// expects for the same format (same [`CodecCapability::key`]). Numbers may differ.
    ///
    /// [`CodecCapability::key`]: super::CodecCapability::key
    pub fn between(from: &PayloadMap, to: &PayloadMap) -> PtRewrite {
        let mut rewrite = PtRewrite::default();
        for (pt_in, capability) in from.recv() {
            match to.send_payload_type(capability) {
                Some(pt_out) => {
                    rewrite.map.push((pt_in, pt_out));
                    rewrite.audio_mapped |= !capability.is_auxiliary();
                }
                None => rewrite.unmapped.push(pt_in),
            }
        }
        rewrite
    }

    /// The payload type to forward a packet received with `pt` with; `None` when the other
    /// leg cannot take it without transcoding.
    pub fn rewrite(&self, pt: u8) -> Option<u8> {
        self.map.iter().find(|(i, _)| *i == pt).map(|(_, o)| *o)
    }

    /// The pairs (received, forwarded), in the receiving leg's order.
    pub fn pairs(&self) -> &[(u8, u8)] {
        &self.map
    }

    /// Payload types that may arrive but that the other leg has no matching format for.
    pub fn unmapped(&self) -> &[u8] {
        &self.unmapped
    }

    /// Whether every payload type that may arrive can be forwarded, and at least one of
    /// them is an audio codec (not only telephone-event or comfort noise).
    pub fn is_complete(&self) -> bool {
        self.unmapped.is_empty() && self.audio_mapped
    }
}

/// The rewrites for relaying between legs `a` and `b` in both directions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passthrough {
    /// For packets received on leg `a` and sent on leg `b`.
    pub a_to_b: PtRewrite,
    /// For packets received on leg `b` and sent on leg `a`.
    pub b_to_a: PtRewrite,
}

/// Whether media negotiated on legs `a` and `b` can be relayed without transcoding, and
/// how to rewrite payload types if so.
///
/// It can when, in each direction, every format one leg may send us is one the other leg
/// accepts (the same capability key, whatever the numbers), and an audio codec is among
/// them. A leg may switch at any time to any format it negotiated, so a partial match is
/// not enough; [`PtRewrite::between`] gives the partial mapping for callers that drop or
/// transcode the rest.
pub fn passthrough(a: &PayloadMap, b: &PayloadMap) -> Option<Passthrough> {
    let a_to_b = PtRewrite::between(a, b);
    let b_to_a = PtRewrite::between(b, a);
    (a_to_b.is_complete() && b_to_a.is_complete()).then_some(Passthrough { a_to_b, b_to_a })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdp::{CodecCapability, EventSet};

    fn leg(recv: &[(u8, CodecCapability)], send: &[(u8, CodecCapability)]) -> PayloadMap {
        let mut map = PayloadMap::new();
        for (pt, cap) in recv {
            map.insert_recv(*pt, cap.clone());
        }
        for (pt, cap) in send {
            map.insert_send(cap.clone(), *pt);
        }
        map
    }

    #[test]
    fn same_codecs_with_other_numbers_relay_with_rewrites() {
        let te = CodecCapability::telephone_event(8000, EventSet::DTMF).unwrap();
        let a = leg(
            &[(0, CodecCapability::pcmu()), (101, te.clone())],
            &[(0, CodecCapability::pcmu()), (101, te.clone())],
        );
        let b = leg(
            &[(0, CodecCapability::pcmu()), (96, te.clone())],
            &[(0, CodecCapability::pcmu()), (100, te.clone())],
        );
        let p = passthrough(&a, &b).unwrap();
        assert_eq!(p.a_to_b.pairs(), [(0, 0), (101, 100)]);
        assert_eq!(p.b_to_a.pairs(), [(0, 0), (96, 101)]);
        assert_eq!(p.a_to_b.rewrite(101), Some(100));
        assert_eq!(p.a_to_b.rewrite(8), None);
    }

    #[test]
    fn a_format_the_other_leg_lacks_prevents_passthrough() {
        let a = leg(
            &[(0, CodecCapability::pcmu()), (8, CodecCapability::pcma())],
            &[(0, CodecCapability::pcmu()), (8, CodecCapability::pcma())],
        );
        let b = leg(
            &[(0, CodecCapability::pcmu())],
            &[(0, CodecCapability::pcmu())],
        );
        assert_eq!(passthrough(&a, &b), None);
        let partial = PtRewrite::between(&a, &b);
        assert_eq!(partial.pairs(), [(0, 0)]);
        assert_eq!(partial.unmapped(), [8]);
        assert!(PtRewrite::between(&b, &a).is_complete());
    }

    #[test]
    fn only_auxiliary_formats_do_not_make_a_relay() {
        let te = CodecCapability::telephone_event(8000, EventSet::DTMF).unwrap();
        let a = leg(&[(101, te.clone())], &[(101, te.clone())]);
        assert_eq!(passthrough(&a, &a.clone()), None);
        assert_eq!(passthrough(&PayloadMap::new(), &PayloadMap::new()), None);
    }
}
