//! Offer/answer against SDP shaped like what common user agents send (written for these
//! tests, not captured): a Linphone-like softphone, a FreeSWITCH-like and an Asterisk-like
//! PBX, and a WebRTC browser.

use super::*;
use crate::codec::Codec;

const LINPHONE_OFFER: &str = "v=0\r\n\
o=alice 3456 789 IN IP4 192.168.1.20\r\n\
s=Talk\r\n\
c=IN IP4 192.168.1.20\r\n\
t=0 0\r\n\
a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n\
m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100\r\n\
a=rtpmap:96 opus/48000/2\r\n\
a=fmtp:96 useinbandfec=1\r\n\
a=rtpmap:97 speex/16000\r\n\
a=fmtp:97 vbr=on\r\n\
a=rtpmap:98 speex/8000\r\n\
a=fmtp:98 vbr=on\r\n\
a=fmtp:18 annexb=yes\r\n\
a=rtpmap:101 telephone-event/48000\r\n\
a=rtpmap:99 telephone-event/16000\r\n\
a=rtpmap:100 telephone-event/8000\r\n\
a=rtcp-fb:* trr-int 1000\r\n\
a=rtcp-fb:* ccm tmmbr\r\n";

const FREESWITCH_OFFER: &str = "v=0\r\n\
o=FreeSWITCH 1700000000 1700000001 IN IP4 203.0.113.5\r\n\
s=FreeSWITCH\r\n\
c=IN IP4 203.0.113.5\r\n\
t=0 0\r\n\
m=audio 24680 RTP/AVP 9 0 8 102 101 13\r\n\
a=rtpmap:9 G722/8000\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:102 opus/48000/2\r\n\
a=fmtp:102 useinbandfec=1; maxaveragebitrate=30000; maxplaybackrate=48000; ptime=20; minptime=10; maxptime=40\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\n\
a=rtpmap:13 CN/8000\r\n\
a=ptime:20\r\n\
a=sendrecv\r\n\
a=rtcp:24681 IN IP4 203.0.113.5\r\n";

const BROWSER_OFFER: &str = "v=0\r\n\
o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n\
s=-\r\n\
t=0 0\r\n\
a=group:BUNDLE 0\r\n\
a=extmap-allow-mixed\r\n\
a=msid-semantic: WMS\r\n\
m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n\
c=IN IP4 0.0.0.0\r\n\
a=rtcp:9 IN IP4 0.0.0.0\r\n\
a=ice-ufrag:Xq3e\r\n\
a=ice-pwd:Vq9rGmBd2kLJb0s6h1tYpW3n\r\n\
a=ice-options:trickle\r\n\
a=fingerprint:sha-256 3A:9F:11:0C:5B:7E:22:D4:81:6A:F0:93:4C:2E:B7:58:1D:A6:E3:09:72:CB:4F:30:8E:15:D9:62:A0:7B:C4:E1\r\n\
a=setup:actpass\r\n\
a=mid:0\r\n\
a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n\
a=sendrecv\r\n\
a=msid:- 6f1c2a0e-3c1b-4e55-9d1e-0b8f3f8f2a11\r\n\
a=rtcp-mux\r\n\
a=rtpmap:111 opus/48000/2\r\n\
a=rtcp-fb:111 transport-cc\r\n\
a=fmtp:111 minptime=10;useinbandfec=1\r\n\
a=rtpmap:63 red/48000/2\r\n\
a=fmtp:63 111/111\r\n\
a=rtpmap:9 G722/8000\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:13 CN/8000\r\n\
a=rtpmap:110 telephone-event/48000\r\n\
a=rtpmap:126 telephone-event/8000\r\n\
a=ssrc:1001 cname:k3Jd9s0PqWz\r\n";

const ASTERISK_ANSWER: &str = "v=0\r\n\
o=- 1693 1694 IN IP4 192.0.2.10\r\n\
s=Asterisk\r\n\
c=IN IP4 192.0.2.10\r\n\
t=0 0\r\n\
m=audio 10000 RTP/AVP 0 101\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\n\
a=ptime:20\r\n\
a=maxptime:150\r\n\
a=sendrecv\r\n";

fn opus_fec() -> CodecCapability {
    CodecCapability::opus().with_fmtp(FmtpParams::new().with(OPUS_USEINBANDFEC, "1").unwrap())
}

fn te(rate: u32) -> CodecCapability {
    CodecCapability::telephone_event(rate, EventSet::DTMF).unwrap()
}

fn local(port: u16, ip: &str) -> LocalMedia {
    let mut l = LocalMedia::new(port, Some(Connection::ip(ip.parse().unwrap())));
    l.ptime = Some(20);
    l
}

#[test]
fn answers_a_softphone_offer_in_its_order_with_its_numbers() {
    let offer = AudioDescription::parse(LINPHONE_OFFER).unwrap();
    let ours = [
        opus_fec(),
        CodecCapability::g722(),
        CodecCapability::pcmu(),
        CodecCapability::pcma(),
        te(48_000),
        te(8000),
    ];
    let answer = answer_offer(&ours, &offer, &local(30000, "198.51.100.7")).unwrap();
    assert_eq!(
        answer.description.to_media_section(),
        "m=audio 30000 RTP/AVP 96 0 8 101 100\r\n\
         c=IN IP4 198.51.100.7\r\n\
         a=rtpmap:96 opus/48000/2\r\n\
         a=fmtp:96 useinbandfec=1\r\n\
         a=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:101 telephone-event/48000\r\n\
         a=fmtp:101 0-15\r\n\
         a=rtpmap:100 telephone-event/8000\r\n\
         a=fmtp:100 0-15\r\n\
         a=ptime:20\r\n\
         a=sendrecv\r\n"
    );
    let n = &answer.negotiation;
    assert_eq!(n.remote_port, 7078);
    assert_eq!(
        n.remote_connection.as_ref().unwrap().address,
        "192.168.1.20"
    );
    assert_eq!(n.direction, Direction::SendRecv);
    let (codec, pt) = n.payloads.preferred_send().unwrap();
    assert_eq!((codec.encoding(), pt), ("opus", 96));
    assert_eq!(n.payloads.send_telephone_event(48_000).unwrap().1, 101);
    assert_eq!(n.payloads.send_telephone_event(8000).unwrap().1, 100);
    assert_eq!(n.payloads.send_telephone_event(16_000), None);
    assert_eq!(
        n.payloads.recv_capability(0).unwrap().codec(),
        Some(Codec::Pcmu)
    );
    assert_eq!(n.payloads.recv_capability(18), None);
    // The answer parses back to what was built.
    let text = answer.description.to_sdp(7, 1);
    assert_eq!(AudioDescription::parse(&text).unwrap(), answer.description);
}

#[test]
fn answers_a_pbx_offer_keeping_its_opus_preferences_for_sending() {
    let offer = AudioDescription::parse(FREESWITCH_OFFER).unwrap();
    let ours = [
        opus_fec(),
        CodecCapability::g722(),
        CodecCapability::pcmu(),
        te(8000),
        CodecCapability::cn(),
    ];
    let answer = answer_offer(&ours, &offer, &local(30002, "198.51.100.7")).unwrap();
    let pts: Vec<u8> = answer
        .description
        .formats
        .iter()
        .map(|f| f.payload_type)
        .collect();
    assert_eq!(pts, [9, 0, 102, 101, 13]);
    let section = answer.description.to_media_section();
    assert!(
        section.contains("a=fmtp:102 useinbandfec=1\r\n"),
        "{section}"
    );
    assert!(section.contains("a=fmtp:101 0-15\r\n"), "{section}");

    let payloads = &answer.negotiation.payloads;
    let (codec, pt) = payloads.preferred_send().unwrap();
    assert_eq!((codec.codec(), pt), (Some(Codec::G722), 9));
    let (opus_send, _) = payloads.send().find(|(c, _)| c.is(OPUS)).unwrap();
    assert_eq!(
        opus_send.fmtp().number(OPUS_MAXAVERAGEBITRATE),
        Some(30_000)
    );
    assert_eq!(opus_send.fmtp().number(OPUS_MAXPLAYBACKRATE), Some(48_000));
    let (te_send, _) = payloads.send_telephone_event(8000).unwrap();
    assert_eq!(te_send.events(), Some(EventSet::DTMF));
    assert_eq!(answer.negotiation.remote_ptime, Some(20));
}

#[test]
fn answers_a_browser_offer_on_codecs_and_echoes_its_transport() {
    let offer = AudioDescription::parse(BROWSER_OFFER).unwrap();
    assert_eq!(offer.proto, "UDP/TLS/RTP/SAVPF");
    let red = offer.format(63).unwrap().capability.as_ref().unwrap();
    assert_eq!(red.fmtp().values().collect::<Vec<_>>(), ["111/111"]);
    let ours = [
        CodecCapability::opus(),
        CodecCapability::pcmu(),
        te(48_000),
        te(8000),
    ];
    let answer = answer_offer(&ours, &offer, &local(30004, "198.51.100.7")).unwrap();
    let pts: Vec<u8> = answer
        .description
        .formats
        .iter()
        .map(|f| f.payload_type)
        .collect();
    assert_eq!(pts, [111, 0, 110, 126]);
    assert_eq!(answer.description.proto, "UDP/TLS/RTP/SAVPF");
    // Our opus has no parameters, so the answer has no a=fmtp for it.
    assert!(!answer.description.to_media_section().contains("a=fmtp:111"));
    let (opus_send, pt) = answer.negotiation.payloads.preferred_send().unwrap();
    assert_eq!(
        (opus_send.fmtp().flag(OPUS_USEINBANDFEC), pt),
        (Some(true), 111)
    );
}

#[test]
fn offers_with_static_and_dynamic_numbers_and_reads_an_answer_with_other_numbers() {
    let ours = [
        opus_fec(),
        CodecCapability::g722(),
        CodecCapability::pcmu(),
        CodecCapability::pcma(),
        te(48_000),
        te(8000),
        CodecCapability::cn(),
    ];
    let offer = create_offer(&ours, &local(40000, "192.0.2.50")).unwrap();
    assert_eq!(
        offer.to_media_section(),
        "m=audio 40000 RTP/AVP 96 9 0 8 97 98 13\r\n\
         c=IN IP4 192.0.2.50\r\n\
         a=rtpmap:96 opus/48000/2\r\n\
         a=fmtp:96 useinbandfec=1\r\n\
         a=rtpmap:9 G722/8000\r\n\
         a=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:97 telephone-event/48000\r\n\
         a=fmtp:97 0-15\r\n\
         a=rtpmap:98 telephone-event/8000\r\n\
         a=fmtp:98 0-15\r\n\
         a=rtpmap:13 CN/8000\r\n\
         a=ptime:20\r\n\
         a=sendrecv\r\n"
    );

    let answer = AudioDescription::parse(ASTERISK_ANSWER).unwrap();
    let n = accept_answer(&offer, &answer).unwrap();
    // We receive telephone-event on our number 98 and send it on the remote's 101.
    assert!(n.payloads.recv_capability(98).unwrap().is_telephone_event());
    assert_eq!(n.payloads.recv_capability(101), None);
    let (te_send, te_pt) = n.payloads.send_telephone_event(8000).unwrap();
    assert_eq!((te_pt, te_send.events()), (101, Some(EventSet::DTMF)));
    assert_eq!(n.payloads.send_payload_type(&te(8000)), Some(101));
    let (codec, pt) = n.payloads.preferred_send().unwrap();
    assert_eq!((codec.codec(), pt), (Some(Codec::Pcmu), 0));
    assert_eq!(n.payloads.recv().count(), 2);
    assert_eq!((n.remote_port, n.direction), (10000, Direction::SendRecv));
}

#[test]
fn hold_and_disabled_streams() {
    let ours = [CodecCapability::pcmu()];
    let hold = FREESWITCH_OFFER.replace("a=sendrecv", "a=sendonly");
    let offer = AudioDescription::parse(&hold).unwrap();
    let answer = answer_offer(&ours, &offer, &local(30006, "198.51.100.7")).unwrap();
    assert_eq!(answer.description.direction, Direction::RecvOnly);
    assert!(
        answer
            .description
            .to_media_section()
            .ends_with("a=recvonly\r\n")
    );
    assert_eq!(answer.negotiation.direction, Direction::RecvOnly);

    let disabled = FREESWITCH_OFFER.replace("m=audio 24680", "m=audio 0");
    let offer = AudioDescription::parse(&disabled).unwrap();
    let answer = answer_offer(&ours, &offer, &local(30006, "198.51.100.7")).unwrap();
    assert_eq!(answer.description.port, 0);
    assert_eq!(answer.negotiation.direction, Direction::Inactive);
    assert!(answer.negotiation.payloads.is_empty());

    let our_offer = create_offer(&ours, &local(40000, "192.0.2.50")).unwrap();
    let rejected = AudioDescription::parse("m=audio 0 RTP/AVP 0\r\n").unwrap();
    assert_eq!(
        accept_answer(&our_offer, &rejected),
        Err(SdpError::Rejected)
    );
}

#[test]
fn no_common_audio_codec_is_an_error_that_lists_both_sides() {
    let offer = AudioDescription::parse(
        "m=audio 5004 RTP/AVP 18 101\r\na=rtpmap:101 telephone-event/8000\r\n",
    )
    .unwrap();
    let err = answer_offer(
        &[CodecCapability::pcmu(), te(8000)],
        &offer,
        &local(1, "192.0.2.1"),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no audio codec in common; offered: [G729/8000, telephone-event/8000]; \
         supported: [PCMU/8000, telephone-event/8000 (0-15)]"
    );
    // Telephone-event with disjoint event sets does not match either.
    let offer = AudioDescription::parse(
        "m=audio 5004 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 32-40\r\n",
    )
    .unwrap();
    let answer = answer_offer(
        &[CodecCapability::pcmu(), te(8000)],
        &offer,
        &local(1, "192.0.2.1"),
    )
    .unwrap();
    assert_eq!(answer.description.formats.len(), 1);
}

#[test]
fn two_legs_with_other_numbers_relay_without_transcoding() {
    // Leg A calls us (Asterisk-like offer); we answer.
    let offer_a = AudioDescription::parse(
        "m=audio 16384 RTP/AVP 0 8 101\r\nc=IN IP4 192.0.2.10\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n",
    )
    .unwrap();
    let ours = [opus_fec(), CodecCapability::pcmu(), te(8000)];
    let leg_a = answer_offer(&ours, &offer_a, &local(30000, "198.51.100.7")).unwrap();

    // Leg B: we offer and a UA answers with its own telephone-event number.
    let offer_b = create_offer(
        &[CodecCapability::pcmu(), te(8000)],
        &local(30002, "198.51.100.7"),
    )
    .unwrap();
    let answer_b = AudioDescription::parse(
        "m=audio 7078 RTP/AVP 0 101\r\nc=IN IP4 192.0.2.20\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n",
    )
    .unwrap();
    let leg_b = accept_answer(&offer_b, &answer_b).unwrap();

    let p = passthrough(&leg_a.negotiation.payloads, &leg_b.payloads).unwrap();
    assert_eq!(p.a_to_b.pairs(), [(0, 0), (101, 101)]);
    assert_eq!(p.b_to_a.pairs(), [(0, 0), (96, 101)]);

    // Opus preferences differ between the legs; opus still relays.
    let opus_a = answer_offer(
        &[opus_fec()],
        &AudioDescription::parse("m=audio 1 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n").unwrap(),
        &local(2, "192.0.2.1"),
    )
    .unwrap();
    let opus_b = answer_offer(
        &[CodecCapability::opus()],
        &AudioDescription::parse(
            "m=audio 1 RTP/AVP 96\r\na=rtpmap:96 OPUS/48000/2\r\na=fmtp:96 stereo=1;usedtx=1\r\n",
        )
        .unwrap(),
        &local(2, "192.0.2.1"),
    )
    .unwrap();
    let p = passthrough(&opus_a.negotiation.payloads, &opus_b.negotiation.payloads).unwrap();
    assert_eq!(p.a_to_b.pairs(), [(111, 96)]);

    // PCMU on one leg and opus on the other needs transcoding.
    assert_eq!(
        passthrough(&leg_a.negotiation.payloads, &opus_b.negotiation.payloads),
        None
    );
}
