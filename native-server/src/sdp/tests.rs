use super::*;

const BIND: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

fn local() -> LocalSdp {
    LocalSdp {
        address: BIND,
        port: 20_000,
        session_id: 7,
        version: 1,
    }
}

fn prefs(codecs: &[Codec]) -> Preferences {
    Preferences {
        codecs: codecs.to_vec(),
        ptime: Duration::from_millis(20),
        direction: Direction::SendRecv,
    }
}

/// What ffmpeg's RTP muxer writes for Opus.
const FFMPEG_OPUS: &str = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\nc=IN IP4 127.0.0.1\r\n\
    t=0 0\r\na=tool:libavformat\r\nm=audio 5004 RTP/AVP 97\r\nb=AS:64\r\n\
    a=rtpmap:97 opus/48000/2\r\n";

const PHONE: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
    m=audio 40000 RTP/AVP 9 0 101 13\r\na=rtpmap:101 telephone-event/8000\r\n\
    a=fmtp:101 0-16\r\na=ptime:30\r\na=rtcp-mux\r\na=sendrecv\r\n";

#[test]
fn an_ffmpeg_opus_offer_is_answered_with_its_payload_type_and_address() {
    let (negotiated, text) = answer(FFMPEG_OPUS, &prefs(&DEFAULT_CODECS), &local()).unwrap();
    let plan = &negotiated.plan;
    assert_eq!(
        (plan.codec, plan.payload_type, plan.send_payload_type),
        (Codec::Opus, 97, 97)
    );
    assert_eq!(plan.telephone_event, None);
    assert_eq!(plan.sample_rate, 48_000);
    assert_eq!(plan.ptime, Duration::from_millis(20));
    let t = negotiated.transport;
    assert_eq!(t.remote, Some("127.0.0.1:5004".parse().unwrap()));
    assert_eq!(t.rtcp_remote, Some("127.0.0.1:5005".parse().unwrap()));
    assert!(!t.rtcp_mux);
    assert_eq!(t.direction, Direction::SendRecv);
    assert!(text.contains("m=audio 20000 RTP/AVP 97\r\n"), "{text}");
    assert!(text.contains("a=rtpmap:97 opus/48000/2\r\n"), "{text}");
    assert!(text.contains("c=IN IP4 127.0.0.1\r\n") && text.contains("o=- 7 1 IN IP4"));
    assert!(!text.contains("rtcp-mux"));
    // The answer reads back as SDP.
    assert_eq!(parse(&text).unwrap().port, 20_000);
}

#[test]
fn a_phone_offer_gets_one_codec_its_events_comfort_noise_ptime_and_rtcp_mux() {
    let (negotiated, text) = answer(PHONE, &prefs(&DEFAULT_CODECS), &local()).unwrap();
    let plan = &negotiated.plan;
    // The offerer's order: G722 first.
    assert_eq!((plan.codec, plan.payload_type), (Codec::G722, 9));
    assert_eq!(plan.telephone_event, Some((101, 101)));
    assert_eq!(plan.sample_rate, 16_000);
    assert_eq!(plan.ptime, Duration::from_millis(30));
    assert!(
        text.contains("m=audio 20000 RTP/AVP 9 101 13\r\n"),
        "{text}"
    );
    assert!(text.contains("a=fmtp:101 0-15\r\n") && text.contains("a=ptime:30\r\n"));
    assert!(text.contains("a=rtcp-mux\r\n"), "{text}");
    let t = negotiated.transport;
    assert!(t.rtcp_mux);
    assert_eq!(t.rtcp_remote, t.remote);
    assert_eq!(t.remote, Some("127.0.0.1:40000".parse().unwrap()));
    // Restricted to PCMU, the same offer gives PCMU.
    let (only_pcmu, _) = answer(PHONE, &prefs(&[Codec::Pcmu]), &local()).unwrap();
    assert_eq!(only_pcmu.plan.codec, Codec::Pcmu);
    assert_eq!(only_pcmu.plan.sample_rate, 8000);
}

#[test]
fn hold_offers_set_the_direction_and_old_style_hold_sends_nowhere() {
    let held = PHONE.replace("a=sendrecv", "a=sendonly");
    let (n, text) = answer(&held, &prefs(&DEFAULT_CODECS), &local()).unwrap();
    assert_eq!(n.transport.direction, Direction::RecvOnly);
    assert!(text.contains("a=recvonly\r\n"));
    let inactive = PHONE.replace("a=sendrecv", "a=inactive");
    let (n, _) = answer(&inactive, &prefs(&DEFAULT_CODECS), &local()).unwrap();
    assert_eq!(n.transport.direction, Direction::Inactive);
    let zero = PHONE.replace("c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0");
    let (n, text) = answer(&zero, &prefs(&DEFAULT_CODECS), &local()).unwrap();
    assert_eq!(n.transport.remote, None);
    assert_eq!(n.transport.direction, Direction::RecvOnly);
    assert!(text.contains("a=recvonly\r\n"));
}

#[test]
fn an_rtcp_attribute_gives_the_rtcp_address() {
    let sdp = FFMPEG_OPUS.replace("b=AS:64\r\n", "a=rtcp:6001 IN IP4 127.0.0.2\r\n");
    let (n, _) = answer(&sdp, &prefs(&DEFAULT_CODECS), &local()).unwrap();
    assert_eq!(
        n.transport.rtcp_remote,
        Some("127.0.0.2:6001".parse().unwrap())
    );
    let sdp = FFMPEG_OPUS.replace("b=AS:64\r\n", "a=rtcp:6001\r\n");
    let (n, _) = answer(&sdp, &prefs(&DEFAULT_CODECS), &local()).unwrap();
    assert_eq!(
        n.transport.rtcp_remote,
        Some("127.0.0.1:6001".parse().unwrap())
    );
    let bad = FFMPEG_OPUS.replace("b=AS:64\r\n", "a=rtcp:x\r\n");
    let e = answer(&bad, &prefs(&DEFAULT_CODECS), &local()).unwrap_err();
    assert!(e.to_string().contains("a=rtcp value \"x\""), "{e}");
}

#[test]
fn bad_offers_are_refused_with_what_was_wrong() {
    let message = |sdp: &str| {
        answer(sdp, &prefs(&DEFAULT_CODECS), &local())
            .unwrap_err()
            .to_string()
    };
    let g729 = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/AVP 18\r\n";
    let e = message(g729);
    assert!(
        e.contains("no audio codec in common") && e.contains("G729/8000"),
        "{e}"
    );
    let e = message("v=0\r\nm=audio x RTP/AVP 0\r\n");
    assert!(e.contains("SDP line 2") && e.contains("m=audio"), "{e}");
    assert!(message("v=0\r\n").contains("no m=audio"));
    let e = message("c=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/SAVP 0\r\n");
    assert!(e.contains("RTP/SAVP"), "{e}");
    let e = message("m=audio 4000 RTP/AVP 0\r\n");
    assert!(e.contains("no c= line"), "{e}");
    let e = message("c=IN IP4 pbx.example.com\r\nm=audio 4000 RTP/AVP 0\r\n");
    assert!(
        e.contains("pbx.example.com") && e.contains("not an IP address"),
        "{e}"
    );
    let e = message("c=IN IP6 ::1\r\nm=audio 4000 RTP/AVP 0\r\n");
    assert!(e.contains("family"), "{e}");
    let e = message("c=IN IP4 224.0.0.1\r\nm=audio 4000 RTP/AVP 0\r\n");
    assert!(e.contains("multicast"), "{e}");
}

#[test]
fn our_offer_and_an_answer_with_other_numbers_rewrite_what_we_send() {
    let wanted = prefs(&[Codec::Opus, Codec::Pcmu]);
    let (offer_sdp, text, waiting) = offer(&wanted, true, true, &local()).unwrap();
    assert!(
        text.contains("m=audio 20000 RTP/AVP 96 0 97 98 13\r\n"),
        "{text}"
    );
    assert!(text.contains("a=rtcp-mux\r\n"));
    assert_eq!((waiting.codec, waiting.payload_type), (Codec::Opus, 96));
    assert_eq!(waiting.telephone_event, Some((97, 97)));
    // The answer takes opus as 111 and telephone-event/48000 as 110, and no rtcp-mux.
    let answer_sdp = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 7000 RTP/AVP 111 110\r\n\
        a=rtpmap:111 opus/48000/2\r\na=fmtp:111 maxplaybackrate=16000\r\n\
        a=rtpmap:110 telephone-event/48000\r\na=ptime:40\r\n";
    let n = accept(&offer_sdp, answer_sdp, &wanted, BIND).unwrap();
    let plan = &n.plan;
    assert_eq!((plan.payload_type, plan.send_payload_type), (96, 111));
    assert_eq!(plan.telephone_event, Some((97, 110)));
    assert_eq!(plan.sample_rate, 16_000, "maxplaybackrate caps the rate");
    assert_eq!(plan.ptime, Duration::from_millis(40));
    assert_eq!(plan.send_rewrite().map(96), 111);
    assert_eq!(plan.send_rewrite().map(97), 110);
    assert!(!n.transport.rtcp_mux);
    assert_eq!(
        n.transport.rtcp_remote,
        Some("127.0.0.1:7001".parse().unwrap())
    );
    // An answer with rtcp-mux when we offered it muxes; a PCMU answer switches codec.
    let pcmu = "c=IN IP4 127.0.0.1\r\nm=audio 7000 RTP/AVP 0\r\na=rtcp-mux\r\n";
    let n = accept(&offer_sdp, pcmu, &wanted, BIND).unwrap();
    assert_eq!((n.plan.codec, n.plan.payload_type), (Codec::Pcmu, 0));
    assert!(n.transport.rtcp_mux);
    assert!(!n.plan.same_session(&waiting));
    let rejected = "c=IN IP4 127.0.0.1\r\nm=audio 0 RTP/AVP 0\r\n";
    let e = accept(&offer_sdp, rejected, &wanted, BIND).unwrap_err();
    assert!(e.to_string().contains("rejected"), "{e}");
}

#[test]
fn packet_times_follow_the_remote_within_what_the_codec_can() {
    let ms = |d: Duration| d.as_millis();
    assert_eq!(ms(choose_ptime(Codec::Pcmu, Some(30), None, 20)), 30);
    assert_eq!(ms(choose_ptime(Codec::Pcmu, None, None, 20)), 20);
    assert_eq!(ms(choose_ptime(Codec::Pcmu, Some(25), None, 20)), 20);
    assert_eq!(ms(choose_ptime(Codec::Pcmu, Some(60), Some(40), 20)), 40);
    assert_eq!(ms(choose_ptime(Codec::Opus, Some(30), None, 20)), 20);
    assert_eq!(ms(choose_ptime(Codec::Opus, Some(200), None, 20)), 60);
    assert_eq!(ms(choose_ptime(Codec::G722, Some(5), None, 20)), 10);
}

#[test]
fn endpoint_codecs_exclude_comfort_noise_and_name_the_supported_ones() {
    assert_eq!(endpoint_codec("OPUS").unwrap(), Codec::Opus);
    assert_eq!(endpoint_codec("g722").unwrap(), Codec::G722);
    let e = endpoint_codec("CN").unwrap_err().to_string();
    assert!(e.contains("PCMU, PCMA, G722, opus, L16"), "{e}");
}

#[test]
fn odd_sdp_never_panics_and_ports_at_the_edge_have_no_rtcp_port() {
    let top = "c=IN IP4 127.0.0.1\r\nm=audio 65535 RTP/AVP 0\r\n";
    let (n, _) = answer(top, &prefs(&DEFAULT_CODECS), &local()).unwrap();
    assert_eq!(n.transport.rtcp_remote, None);
    let disabled = "c=IN IP4 127.0.0.1\r\nm=audio 0 RTP/AVP 0\r\n";
    let (n, text) = answer(disabled, &prefs(&DEFAULT_CODECS), &local()).unwrap();
    assert_eq!(
        (n.transport.remote, n.transport.direction),
        (None, Direction::Inactive)
    );
    assert!(text.contains("m=audio 0 RTP/AVP 0\r\n"), "{text}");
    let odd = [
        "",
        "\r\n\r\n",
        "m=audio",
        "m=audio 1 RTP/AVP 0\r\na=rtcp:\r\n",
        "m=audio 1 RTP/AVP 0\r\na=rtcp:0\r\n",
        "m=audio 1 RTP/AVP 0\r\na=rtcp:9 IN\r\n",
        "c=IN IP4 127.0.0.1/127\r\nm=audio 1 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n\
         a=fmtp:96 maxplaybackrate=1;maxaveragebitrate=x\r\n",
        "c=IN IP4 127.0.0.1\r\nm=audio 1 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n\
         a=fmtp:96 maxaveragebitrate=6000\r\na=maxptime:1\r\n",
        "c=IN IP4 127.0.0.1\r\nm=audio 1 RTP/AVP 101\r\na=rtpmap:101 telephone-event/8000\r\n",
        "c=IN IP4 ∞\r\nm=audio 1 RTP/AVP 0\r\n",
        "m=video 1 RTP/AVP 96\r\nm=audio 2 RTP/AVP 0\r\na=rtcp-mux\r\nc=IN IP4 127.0.0.1\r\n",
    ];
    for sdp in odd {
        // Either an answer or an error that says something; never a panic.
        match answer(sdp, &prefs(&DEFAULT_CODECS), &local()) {
            Ok((n, text)) => assert!(text.starts_with("v=0\r\n") && n.plan.ptime.as_millis() >= 10),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
        let (offer_sdp, ..) = offer(&prefs(&[Codec::Pcmu]), true, false, &local()).unwrap();
        let _ = accept(&offer_sdp, sdp, &prefs(&[Codec::Pcmu]), BIND);
    }
}

#[test]
fn an_answer_muxing_what_was_not_offered_muxed_keeps_rtcp_on_the_next_port() {
    // RFC 5761 §5.1.1: our offer had no a=rtcp-mux, so the answer's is ignored.
    let (offer_sdp, text, _) = offer(&prefs(&[Codec::Pcmu]), true, false, &local()).unwrap();
    assert!(
        !text.contains("a=rtcp-mux") && !offer_sdp.rtcp_mux,
        "{text}"
    );
    let answer_sdp = "c=IN IP4 127.0.0.1\r\nm=audio 7000 RTP/AVP 0\r\na=rtcp-mux\r\n";
    let n = accept(&offer_sdp, answer_sdp, &prefs(&[Codec::Pcmu]), BIND).unwrap();
    assert!(!n.transport.rtcp_mux);
    assert_eq!(
        (n.transport.remote, n.transport.rtcp_remote),
        (
            Some("127.0.0.1:7000".parse().unwrap()),
            Some("127.0.0.1:7001".parse().unwrap())
        )
    );
}
