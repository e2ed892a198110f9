//! Properties: what is rendered parses back to the same thing, answering our own offer
//! agrees on everything in it, and no input makes parsing or negotiation panic.

use proptest::prelude::*;

use super::*;

fn arb_fmtp() -> impl Strategy<Value = FmtpParams> {
    (
        proptest::collection::vec(
            ("[a-zA-Z][a-zA-Z0-9-]{0,10}", "[a-zA-Z0-9=/:,.-]{0,8}"),
            0..4,
        ),
        proptest::collection::vec("[a-zA-Z0-9/:,.-]{1,8}", 0..2),
    )
        .prop_map(|(pairs, values)| {
            let mut fmtp = FmtpParams::new();
            for (name, value) in pairs {
                fmtp.set(&name, &value).unwrap();
            }
            for value in values {
                fmtp.push_value(&value).unwrap();
            }
            fmtp
        })
}

fn arb_events() -> impl Strategy<Value = EventSet> {
    proptest::collection::vec(any::<u8>(), 1..6).prop_map(|events| {
        let mut set = EventSet::EMPTY;
        for e in events {
            set.insert(e);
        }
        set
    })
}

fn arb_capability() -> impl Strategy<Value = CodecCapability> {
    prop_oneof![
        Just(CodecCapability::pcmu()),
        Just(CodecCapability::pcma()),
        Just(CodecCapability::g722()),
        Just(CodecCapability::cn()),
        arb_fmtp().prop_map(|f| CodecCapability::opus().with_fmtp(f)),
        (
            prop_oneof![Just(8000u32), Just(16_000), Just(48_000)],
            arb_events()
        )
            .prop_map(|(rate, events)| CodecCapability::telephone_event(rate, events).unwrap()),
        ("[A-Za-z][A-Za-z0-9._-]{0,11}", 1u32.., 1u16.., arb_fmtp()).prop_map(
            |(name, rate, channels, fmtp)| {
                CodecCapability::new(&name, rate, channels)
                    .unwrap()
                    .with_fmtp(fmtp)
            }
        ),
    ]
}

fn arb_local() -> impl Strategy<Value = LocalMedia> {
    (
        any::<u16>(),
        any::<[u8; 4]>(),
        0..4u8,
        proptest::option::of(1u32..200),
        any::<bool>(),
    )
        .prop_map(|(port, ip, dir, ptime, rtcp_mux)| {
            let mut local = LocalMedia::new(port, Some(Connection::ip(ip.into())));
            local.direction = [
                Direction::SendRecv,
                Direction::SendOnly,
                Direction::RecvOnly,
                Direction::Inactive,
            ][usize::from(dir)];
            local.ptime = ptime;
            local.rtcp_mux = rtcp_mux;
            local
        })
}

const SEED_SDP: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
m=audio 4000 RTP/AVP 111 9 0 8 101 13\r\na=rtpmap:111 opus/48000/2\r\n\
a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\na=ptime:20\r\na=maxptime:40\r\na=rtcp:4001 IN IP4 192.0.2.1\r\n\
a=rtcp-mux\r\na=sendrecv\r\n";

fn exercise(text: &str) {
    let Ok(offer) = AudioDescription::parse(text) else {
        return;
    };
    let again = AudioDescription::parse(&offer.to_sdp(1, 1)).expect("rendered SDP parses");
    assert_eq!(again, offer);
    let ours = [
        CodecCapability::opus(),
        CodecCapability::pcmu(),
        CodecCapability::telephone_event(8000, EventSet::DTMF).unwrap(),
    ];
    if let Ok(answer) = answer_offer(&ours, &offer, &LocalMedia::new(1, None)) {
        let parsed = AudioDescription::parse(&answer.description.to_media_section()).unwrap();
        assert_eq!(parsed, answer.description);
        let _ = accept_answer(&offer, &answer.description);
        let _ = passthrough(&answer.negotiation.payloads, &answer.negotiation.payloads);
    }
}

proptest! {
    #[test]
    fn offers_render_and_parse_back(
        caps in proptest::collection::vec(arb_capability(), 1..12),
        local in arb_local(),
    ) {
        let offer = create_offer(&caps, &local).unwrap();
        let parsed = AudioDescription::parse(&offer.to_sdp(1, 2)).unwrap();
        prop_assert_eq!(&parsed, &offer);
        for cap in &caps {
            let key = cap.key();
            prop_assert!(parsed
                .formats
                .iter()
                .any(|f| f.capability.as_ref().is_some_and(|c| c.key() == key)));
        }
    }

    #[test]
    fn answering_our_own_offer_agrees_on_all_of_it(
        caps in proptest::collection::vec(arb_capability(), 0..10),
        local in arb_local(),
    ) {
        let mut caps = caps;
        caps.insert(0, CodecCapability::pcmu());
        // Port 0 in an offer or an answer declines the stream (RFC 3264 §5.1, §6): both
        // sides here take it.
        let mut local = local;
        local.port = local.port.max(1);
        let offer = create_offer(&caps, &local).unwrap();
        let answer = answer_offer(&caps, &offer, &local).unwrap();
        prop_assert_eq!(&answer.description.formats, &offer.formats);
        let n = accept_answer(&offer, &answer.description).unwrap();
        prop_assert_eq!(n.payloads.recv().count(), offer.formats.len());
        prop_assert!(passthrough(&n.payloads, &answer.negotiation.payloads).is_some());
    }

    #[test]
    fn the_rtcp_attributes_render_and_parse_back(
        caps in proptest::collection::vec(arb_capability(), 1..4),
        local in arb_local(),
        port in 1u16..,
        ip in proptest::option::of(any::<[u8; 16]>()),
    ) {
        let mut offer = create_offer(&caps, &local).unwrap();
        prop_assert_eq!(offer.rtcp_mux, local.rtcp_mux);
        offer.rtcp = Some(RtcpAddress {
            port,
            connection: ip.map(|ip| Connection::ip(core::net::IpAddr::from(ip))),
        });
        let parsed = AudioDescription::parse(&offer.to_sdp(3, 4)).unwrap();
        prop_assert_eq!(&parsed, &offer);
        // The answer carries rtcp-mux only when both sides want it (RFC 5761 §5.1.1).
        let mut answering = local.clone();
        answering.port = answering.port.max(1);
        for theirs in [false, true] {
            offer.rtcp_mux = theirs;
            offer.port = offer.port.max(1);
            if let Ok(answer) = answer_offer(&caps, &offer, &answering) {
                prop_assert_eq!(answer.description.rtcp_mux, theirs && answering.rtcp_mux);
                prop_assert_eq!(answer.description.rtcp, None);
            }
        }
    }

    #[test]
    fn any_text_parses_or_fails_without_panicking(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn damaged_sdp_parses_or_fails_without_panicking(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<char>(), any::<bool>()), 1..8),
    ) {
        let mut chars: Vec<char> = SEED_SDP.chars().collect();
        for (at, c, replace) in edits {
            let i = at.index(chars.len());
            if replace {
                chars[i] = c;
            } else {
                chars.insert(i, c);
            }
        }
        exercise(&chars.into_iter().collect::<String>());
    }
}
