//! G.722, Opus, L16 and CN through the binding's classes, Opus options, loss concealment
//! and FEC recovery, the Transcoder, and sessions at a chosen sample rate.
//!
//! Runs in node and in headless Chromium like `api.rs` (see `scripts/test-wasm.sh`).
#![cfg(target_arch = "wasm32")]

use js_sys::{Object, Reflect};
use mediacore::Codec;
use mediacore_wasm::{Decoder, Encoder, MediaSession, Transcoder};
use wasm_bindgen::{JsCast, JsError, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const UNDEFINED: JsValue = JsValue::UNDEFINED;

/// The message of the JS `Error` a binding call threw.
fn message<T>(result: Result<T, JsError>) -> String {
    let Err(err) = result else {
        panic!("expected the call to throw");
    };
    let error: js_sys::Error = JsValue::from(err).dyn_into().expect("a JS Error");
    error.message().into()
}

/// Unwraps a binding result; a `JsError` carries no Debug, so its message is shown instead.
fn ok<T>(result: Result<T, JsError>) -> T {
    result.unwrap_or_else(|err| {
        let error: js_sys::Error = JsValue::from(err).dyn_into().expect("a JS Error");
        panic!("{}", String::from(error.message()))
    })
}

/// A JS object from `(key, value)` pairs, as a page writes `{ bitrate: 32000 }`.
fn options(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (key, value) in fields {
        Reflect::set(&obj, &JsValue::from_str(key), value).expect("set");
    }
    obj.into()
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).expect("object property")
}

fn sine(rate: u32, freq: f64, len: usize) -> Vec<i16> {
    (0..len)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            (8000.0 * (2.0 * core::f64::consts::PI * freq * t).sin()).round() as i16
        })
        .collect()
}

fn interleave(channels: &[Vec<i16>]) -> Vec<i16> {
    (0..channels[0].len())
        .flat_map(|i| channels.iter().map(move |c| c[i]))
        .collect()
}

fn channel(pcm: &[i16], channels: usize, which: usize) -> Vec<f64> {
    pcm.iter()
        .skip(which)
        .step_by(channels)
        .map(|&s| f64::from(s))
        .collect()
}

fn rms(x: &[f64]) -> f64 {
    (x.iter().map(|v| v * v).sum::<f64>() / x.len() as f64).sqrt()
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(p, q)| p * q).sum::<f64>();
    let norm = (dot(a, a) * dot(b, b)).sqrt();
    if norm > 0.0 { dot(a, b) / norm } else { 0.0 }
}

/// The best correlation of `decoded` with `reference` over delays of 0 to 20 ms, leaving
/// out the first 100 ms (codec start-up), with that delay.
fn aligned(reference: &[f64], decoded: &[f64], rate: u32) -> (f64, usize) {
    let (skip, max_lag) = (rate as usize / 10, rate as usize / 50);
    let len = reference.len() - skip - max_lag;
    (0..=max_lag)
        .map(|lag| {
            let r = &reference[skip..skip + len];
            (correlation(r, &decoded[skip + lag..skip + lag + len]), lag)
        })
        .fold((0.0, 0), |best, c| if c.0 > best.0 { c } else { best })
}

/// `decoded` carries `reference` (at most 20 ms late) with correlation `min_corr` or more
/// and within 3 dB of its level.
fn assert_tone_survives(reference: &[f64], decoded: &[f64], rate: u32, min_corr: f64, label: &str) {
    let (corr, lag) = aligned(reference, decoded, rate);
    let skip = rate as usize / 10;
    let level = 20.0 * (rms(&decoded[skip + lag..]) / rms(&reference[skip..])).log10();
    assert!(
        corr >= min_corr,
        "{label}: correlation {corr:.3} at lag {lag}"
    );
    assert!(level.abs() <= 3.0, "{label}: level {level:+.1} dB");
}

/// Codes `pcm` frame by frame; returns the payloads and the decoded PCM, checking that each
/// payload decodes to a whole frame.
fn round_trip(
    enc: &mut Encoder,
    dec: &mut Decoder,
    pcm: &[i16],
    frame: usize,
) -> (Vec<Vec<u8>>, Vec<i16>) {
    let mut payloads = Vec::new();
    let mut decoded = Vec::new();
    for chunk in pcm.chunks_exact(frame) {
        let payload = ok(enc.encode(chunk));
        let out = ok(dec.decode(&payload));
        assert_eq!(
            out.len(),
            frame,
            "{} decoded {} samples",
            dec.codec(),
            out.len()
        );
        payloads.push(payload);
        decoded.extend(out);
    }
    (payloads, decoded)
}

fn encoder(codec: &str, rate: u32, channels: u16, opus: JsValue) -> Encoder {
    ok(Encoder::new(
        codec,
        f64::from(rate),
        f64::from(channels),
        opus,
    ))
}

fn decoder(codec: &str, rate: u32, channels: u16) -> Decoder {
    ok(Decoder::new(codec, f64::from(rate), f64::from(channels)))
}

#[wasm_bindgen_test]
fn g722_codes_as_the_core_does_and_keeps_a_tone() {
    let tone = sine(16_000, 440.0, 8000);
    let (mut enc, mut dec) = (
        encoder("g722", 16_000, 1, UNDEFINED),
        decoder("G722", 16_000, 1),
    );
    let (payloads, decoded) = round_trip(&mut enc, &mut dec, &tone, 320);
    assert!(payloads.iter().all(|p| p.len() == 160));
    let mut core = mediacore::new_encoder(Codec::G722, 16_000, 1).expect("core G722");
    let mut out = vec![0; 160];
    for (chunk, payload) in tone.chunks_exact(320).zip(&payloads) {
        assert_eq!(core.encode(chunk, &mut out).expect("encode"), 160);
        assert_eq!(&out, payload);
    }
    let reference: Vec<f64> = tone.iter().map(|&s| f64::from(s)).collect();
    let decoded: Vec<f64> = decoded.iter().map(|&s| f64::from(s)).collect();
    assert_tone_survives(&reference, &decoded, 16_000, 0.999, "G722");
}

#[wasm_bindgen_test]
fn opus_keeps_a_tone_on_each_channel_at_48_and_16_khz() {
    for rate in [48_000u32, 16_000] {
        for channels in [1u16, 2] {
            let n = rate as usize / 2;
            let tones: Vec<Vec<i16>> = [440.0, 660.0][..usize::from(channels)]
                .iter()
                .map(|&f| sine(rate, f, n))
                .collect();
            // The default 24 kbit/s codes 48 kHz stereo as one mixed channel.
            let opus = if channels == 2 {
                options(&[("bitrate", 64_000.into())])
            } else {
                UNDEFINED
            };
            let mut enc = encoder("opus", rate, channels, opus);
            let mut dec = decoder("OPUS", rate, channels);
            let frame = rate as usize / 50 * usize::from(channels);
            let (payloads, decoded) = round_trip(&mut enc, &mut dec, &interleave(&tones), frame);
            assert_eq!(payloads.len(), 25);
            assert_eq!(decoded.len(), n * usize::from(channels));
            let c = usize::from(channels);
            for (which, tone) in tones.iter().enumerate() {
                let reference: Vec<f64> = tone.iter().map(|&s| f64::from(s)).collect();
                let heard = channel(&decoded, c, which);
                let label = format!("opus {rate} Hz channel {which} of {channels}");
                assert_tone_survives(&reference, &heard, rate, 0.97, &label);
                if channels == 2 {
                    let other: Vec<f64> = tones[1 - which].iter().map(|&s| f64::from(s)).collect();
                    let (cross, _) = aligned(&other, &heard, rate);
                    assert!(cross < 0.2, "{label} carries the other tone: {cross:.2}");
                }
            }
        }
    }
}

#[wasm_bindgen_test]
fn l16_is_bit_exact_big_endian() {
    for rate in [8000u32, 16_000, 48_000] {
        for channels in [1u16, 2] {
            let len = rate as usize / 50 * usize::from(channels);
            let mut pcm: Vec<i16> = (0..len)
                .map(|i| (i as i32 * 7919 % 65_536 - 32_768) as i16)
                .collect();
            pcm[..4].copy_from_slice(&[i16::MIN, i16::MAX, 0, -1]);
            let payload = ok(encoder("L16", rate, channels, UNDEFINED).encode(&pcm));
            let expected: Vec<u8> = pcm.iter().flat_map(|s| s.to_be_bytes()).collect();
            assert_eq!(payload, expected);
            assert_eq!(ok(decoder("L16", rate, channels).decode(&payload)), pcm);
        }
    }
}

#[wasm_bindgen_test]
fn cn_codes_noise_as_a_sid_and_plays_noise_at_its_level() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for rate in [8000u32, 16_000, 48_000] {
        // Noise from a xorshift generator: the sum of four uniforms, RMS about 1150.
        let noise: Vec<i16> = (0..rate as usize / 50)
            .map(|_| {
                (0..4)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        (state >> 40) as f64 / f64::from(1u32 << 24) - 0.5
                    })
                    .sum::<f64>()
                    * 2000.0
            })
            .map(|x| x.round() as i16)
            .collect();
        let noise_f: Vec<f64> = noise.iter().map(|&s| f64::from(s)).collect();
        let payload = ok(encoder("CN", rate, 1, UNDEFINED).encode(&noise));
        // RFC 3389: the level byte (-dBov) and ten reflection coefficients.
        assert_eq!(payload.len(), 1 + 10);
        let level = -20.0 * (rms(&noise_f) / 32767.0).log10();
        assert_eq!(f64::from(payload[0]), level.round());
        let mut dec = decoder("CN", rate, 1);
        for _ in 0..3 {
            let played: Vec<f64> = ok(dec.decode(&payload))
                .iter()
                .map(|&s| f64::from(s))
                .collect();
            assert_eq!(played.len(), rate as usize / 50);
            let db = 20.0 * (rms(&played) / rms(&noise_f)).log10();
            assert!(
                db.abs() < 1.5,
                "{rate} Hz: comfort noise {db:+.1} dB from its source"
            );
        }
    }
}

#[wasm_bindgen_test]
fn opus_options_are_applied_and_read_back() {
    let enc = encoder("opus", 16_000, 1, UNDEFINED);
    let settings = enc.opus_settings();
    let default = mediacore::codec::opus::OpusConfig::default();
    assert_eq!(
        get(&settings, "bitrate").as_f64(),
        Some(f64::from(default.bitrate))
    );
    assert_eq!(
        get(&settings, "frameMs").as_f64(),
        Some(f64::from(default.frame_ms))
    );
    assert_eq!(get(&settings, "cbr").as_bool(), Some(default.cbr));
    assert_eq!(
        get(&settings, "application").as_string().as_deref(),
        Some("voip")
    );
    assert!(
        encoder("PCMU", 8000, 1, UNDEFINED)
            .opus_settings()
            .is_undefined()
    );
    assert!(
        encoder("PCMU", 8000, 1, JsValue::NULL)
            .opus_settings()
            .is_undefined()
    );

    let every_key = [
        ("application", JsValue::from("audio")),
        ("bitrate", 40_000.into()),
        ("complexity", 5.into()),
        ("cbr", true.into()),
        ("inbandFec", true.into()),
        ("expectedLossPercent", 10.into()),
        ("frameMs", 40.into()),
    ];
    // A key set to undefined is left out, known or not.
    let given = [&every_key[..], &[("unused", UNDEFINED)]].concat();
    let settings = encoder("opus", 24_000, 1, options(&given)).opus_settings();
    for (key, value) in every_key {
        assert_eq!(get(&settings, key), value, "{key}");
    }
}

#[wasm_bindgen_test]
fn opus_cbr_packets_are_bitrate_times_duration() {
    for (rate, channels, bitrate, frame_ms) in [
        (48_000u32, 2u16, 64_000u32, 20u32),
        (16_000, 1, 32_000, 40),
        (8000, 1, 12_000, 60),
    ] {
        let opus = options(&[("bitrate", bitrate.into()), ("frameMs", frame_ms.into())]);
        let mut enc = encoder("opus", rate, channels, opus);
        let frame = (rate * frame_ms / 1000) as usize;
        let pcm = interleave(&vec![sine(rate, 440.0, frame * 5); usize::from(channels)]);
        for chunk in pcm.chunks_exact(frame * usize::from(channels)) {
            assert_eq!(
                ok(enc.encode(chunk)).len(),
                (bitrate * frame_ms / 8000) as usize
            );
        }
    }
}

#[wasm_bindgen_test]
fn opus_options_errors() {
    let build = |opus: JsValue| Encoder::new("opus", 16_000.0, 1.0, opus);
    let core = mediacore::codec::opus::OpusEncoder::new(
        16_000,
        1,
        mediacore::codec::opus::OpusConfig {
            bitrate: 1000,
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        core.contains("opus bitrate 1000 bit/s is out of range"),
        "{core}"
    );
    assert_eq!(message(build(options(&[("bitrate", 1000.into())]))), core);
    let refused: [(&str, JsValue, &str); 6] = [
        (
            "complexity",
            11.into(),
            "invalid argument: opus complexity 11 is out of range; allowed 0 to 10",
        ),
        (
            "bitRate",
            32_000.into(),
            "invalid argument: opus option \"bitRate\" is not known; expected application, \
             bitrate, complexity, cbr, inbandFec, expectedLossPercent, frameMs",
        ),
        (
            "bitrate",
            "32k".into(),
            "invalid argument: opus option bitrate JsValue(\"32k\") is not a number",
        ),
        (
            "cbr",
            1.into(),
            "invalid argument: opus option cbr JsValue(1) is not a boolean",
        ),
        (
            "application",
            "music".into(),
            "invalid argument: opus application \"music\" is not known; allowed \"voip\" or \
             \"audio\"",
        ),
        (
            "application",
            1.into(),
            "invalid argument: opus option application JsValue(1) is not a string",
        ),
    ];
    for (key, value, expected) in refused {
        assert_eq!(message(build(options(&[(key, value)]))), expected);
    }
    assert_eq!(
        message(build(24_000.into())),
        "invalid argument: opus options JsValue(24000) are not an object"
    );
    assert_eq!(
        message(Encoder::new(
            "PCMU",
            8000.0,
            1.0,
            options(&[("bitrate", 64_000.into()), ("cbr", true.into())])
        )),
        "invalid argument: bitrate, cbr only apply to the opus codec; got PCMU"
    );
    // An empty object sets nothing, for any codec.
    assert!(Encoder::new("PCMU", 8000.0, 1.0, options(&[])).is_ok());
    let mut enc = encoder("opus", 16_000, 1, options(&[("frameMs", 10.into())]));
    assert!(message(enc.encode(&sine(16_000, 440.0, 320))).contains("takes 10 ms frames"));
}

#[wasm_bindgen_test]
fn opus_concealment_and_fec_recovery() {
    let (rate, frame) = (16_000u32, 320usize);
    let tone = sine(rate, 440.0, rate as usize);
    for fec in [true, false] {
        let opus = options(&[
            ("inbandFec", fec.into()),
            ("expectedLossPercent", if fec { 20 } else { 0 }.into()),
        ]);
        let mut enc = encoder("opus", rate, 1, opus);
        let packets: Vec<Vec<u8>> = tone
            .chunks_exact(frame)
            .map(|c| ok(enc.encode(c)))
            .collect();
        assert_eq!(
            ok(decoder("opus", rate, 1).conceal(frame as f64)),
            vec![0; frame]
        );
        let [mut plc_dec, mut fec_dec, mut clean_dec] = [0; 3].map(|_| decoder("opus", rate, 1));
        for packet in &packets[..10] {
            for dec in [&mut plc_dec, &mut fec_dec, &mut clean_dec] {
                ok(dec.decode(packet));
            }
        }
        let as_f64 = |v: Vec<i16>| v.iter().map(|&s| f64::from(s)).collect::<Vec<f64>>();
        let clean = as_f64(ok(clean_dec.decode(&packets[10])));
        let plc = as_f64(ok(plc_dec.conceal(frame as f64)));
        let rebuilt = as_f64(ok(fec_dec.decode_fec(&packets[11], frame as f64)));
        assert_eq!((plc.len(), rebuilt.len()), (frame, frame));
        assert!(rms(&plc) > 0.3 * rms(&clean) && rms(&rebuilt) > 0.3 * rms(&clean));
        if fec {
            assert!(
                correlation(&rebuilt, &clean) > correlation(&plc, &clean),
                "FEC beats PLC"
            );
        } else {
            assert_eq!(
                rebuilt, plc,
                "without FEC data, FEC recovery is concealment"
            );
        }
        assert_eq!(ok(fec_dec.decode(&packets[11])).len(), frame);
    }
    let mut dec = decoder("opus", rate, 1);
    assert_eq!(
        message(dec.conceal(100.0)),
        "invalid argument: opus can conceal 40 to 1920 samples per channel in steps of 40 \
         (2.5 ms at 16000 Hz); got 100"
    );
    assert!(message(dec.conceal(2.5)).starts_with("invalid argument: samplesPerChannel 2.5"));
    assert!(message(dec.decode_fec(&[3], 320.0)).starts_with("malformed opus packet: "));
    assert_eq!(
        message(dec.decode(&[])),
        "malformed opus packet: empty payload (call Decoder::conceal for a lost packet)"
    );
    assert_eq!(ok(dec.conceal(320.0)).len(), 320, "usable after the errors");
    assert_eq!(
        message(decoder("CN", 8000, 1).conceal(160.0)),
        "CN has no loss concealment"
    );
    assert_eq!(
        message(decoder("PCMU", 8000, 1).decode_fec(&[0], 160.0)),
        "PCMU has no in-band FEC"
    );
}

#[wasm_bindgen_test]
fn waveform_codecs_conceal_a_lost_packet() {
    for (codec, rate, channels) in [("PCMA", 8000u32, 2u16), ("L16", 48_000, 1)] {
        let frame = rate as usize / 50;
        let tone = interleave(&vec![sine(rate, 440.0, frame * 10); usize::from(channels)]);
        let mut enc = encoder(codec, rate, channels, UNDEFINED);
        let mut dec = decoder(codec, rate, channels);
        round_trip(&mut enc, &mut dec, &tone, frame * usize::from(channels));
        let concealed: Vec<f64> = ok(dec.conceal(frame as f64))
            .iter()
            .map(|&s| f64::from(s))
            .collect();
        assert_eq!(concealed.len(), frame * usize::from(channels));
        assert!(
            rms(&concealed) > 4000.0,
            "{codec}: the tone goes on, not silence"
        );
        // The most a page can ask for: the binding allocates no more than the core allows.
        let most = f64::from(u32::MAX - 1);
        assert_eq!(
            message(dec.conceal(most)),
            format!(
                "invalid argument: {codec}: loss concealment covers 1 to {} samples per channel \
                 (120 ms at {rate} Hz); got {most}",
                rate * 120 / 1000
            )
        );
    }
}

#[wasm_bindgen_test]
fn wrong_rates_channels_and_names_throw_the_core_message() {
    for (codec, rate, channels) in [
        ("G722", 8000u32, 1u16),
        ("G722", 16_000, 2),
        ("opus", 44_100, 1),
        ("opus", 48_000, 3),
        ("L16", 44_100, 1),
        ("CN", 8000, 2),
    ] {
        let core = mediacore::new_decoder(Codec::from_name(codec).expect("known"), rate, channels)
            .err()
            .expect("refused")
            .to_string();
        let (r, c) = (f64::from(rate), f64::from(channels));
        assert_eq!(message(Encoder::new(codec, r, c, UNDEFINED)), core);
        assert_eq!(message(Decoder::new(codec, r, c)), core);
    }
    let unknown =
        "codec \"iLBC\" is not supported; supported codecs are PCMU, PCMA, G722, opus, L16, CN";
    assert_eq!(
        message(Encoder::new("iLBC", 8000.0, 1.0, UNDEFINED)),
        unknown
    );
    assert_eq!(
        message(Transcoder::new(
            "iLBC", 8000.0, 1.0, "PCMU", 8000.0, 1.0, None, UNDEFINED
        )),
        unknown
    );
    assert_eq!(
        message(Transcoder::new(
            "PCMU", 8000.0, 1.0, "iLBC", 8000.0, 1.0, None, UNDEFINED
        )),
        unknown
    );
}

/// 20 ms PCMU payloads of a 440 Hz tone, and the tone.
fn pcmu_packets(frames: usize) -> (Vec<Vec<u8>>, Vec<i16>) {
    let tone = sine(8000, 440.0, 160 * frames);
    let mut enc = encoder("PCMU", 8000, 1, UNDEFINED);
    (
        tone.chunks_exact(160).map(|c| ok(enc.encode(c))).collect(),
        tone,
    )
}

/// A transcoder from 8 kHz mono PCMU to mono `codec` at `rate`.
fn from_pcmu(
    codec: &str,
    rate: f64,
    ptime: Option<f64>,
    opus: JsValue,
) -> Result<Transcoder, JsError> {
    Transcoder::new("PCMU", 8000.0, 1.0, codec, rate, 1.0, ptime, opus)
}

fn sizes(payloads: &[Vec<u8>]) -> Vec<usize> {
    payloads.iter().map(Vec::len).collect()
}

fn transcode_all(t: &mut Transcoder, payloads: &[Vec<u8>]) -> Vec<Vec<u8>> {
    payloads
        .iter()
        .flat_map(|p| ok(t.transcode(p)))
        .map(|a| a.to_vec())
        .collect()
}

#[wasm_bindgen_test]
fn pcmu_to_opus_to_pcmu() {
    let (packets, tone) = pcmu_packets(50);
    let mut to_opus = ok(from_pcmu("opus", 48_000.0, None, UNDEFINED));
    assert_eq!(
        (
            to_opus.input_codec(),
            to_opus.output_codec(),
            to_opus.output_rate()
        ),
        ("PCMU".into(), "opus".into(), 48_000)
    );
    let mut opus = Vec::new();
    for packet in &packets {
        let out = ok(to_opus.transcode(packet));
        assert_eq!(out.len(), 1, "one 20 ms packet in, one out");
        opus.push(out[0].to_vec());
    }
    assert!(
        opus.iter().all(|p| p.len() == 60),
        "24 kbit/s CBR: 60 bytes per 20 ms"
    );
    let mut back = ok(Transcoder::new(
        "opus",
        48_000.0,
        1.0,
        "PCMU",
        8000.0,
        1.0,
        Some(20.0),
        UNDEFINED,
    ));
    let pcmu = transcode_all(&mut back, &opus);
    assert_eq!(pcmu.len(), 50);
    assert!(pcmu.iter().all(|p| p.len() == 160));
    let mut dec = decoder("PCMU", 8000, 1);
    let heard: Vec<f64> = pcmu
        .iter()
        .flat_map(|p| ok(dec.decode(p)))
        .map(f64::from)
        .collect();
    let reference: Vec<f64> = tone.iter().map(|&s| f64::from(s)).collect();
    assert_tone_survives(&reference, &heard, 8000, 0.95, "PCMU-opus-PCMU");
    assert_eq!((to_opus.dropped(), back.dropped()), (0.0, 0.0));
}

#[wasm_bindgen_test]
fn pcmu_to_g722_and_packet_times() {
    let (packets, _) = pcmu_packets(10);
    let mut t = ok(from_pcmu("G722", 16_000.0, None, UNDEFINED));
    assert!(t.resampler_delay() > 0);
    let out: Vec<Vec<u8>> = packets
        .iter()
        .flat_map(|p| {
            ok(t.push(p));
            core::iter::from_fn(|| t.poll_payload()).collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(sizes(&out), vec![160; 10]);
    let mut t40 = ok(from_pcmu("G722", 16_000.0, Some(40.0), UNDEFINED));
    assert_eq!(sizes(&transcode_all(&mut t40, &packets)), vec![320; 5]);
    let opus = options(&[("bitrate", 32_000.into())]);
    let mut t_opus = ok(from_pcmu("opus", 16_000.0, Some(40.0), opus));
    assert_eq!(sizes(&transcode_all(&mut t_opus, &packets)), vec![160; 5]);
}

#[wasm_bindgen_test]
fn transcoder_errors() {
    let new = from_pcmu;
    assert_eq!(
        message(new("G722", 8000.0, None, UNDEFINED)),
        "G722 does not run at 8000 Hz; supported rates: 16000"
    );
    assert_eq!(
        message(new("G722", 16_000.0, Some(25.0), UNDEFINED)),
        "invalid argument: output ptime 25 ms is not supported; expected 10 to 120 ms in steps of 10 ms"
    );
    assert_eq!(
        message(new("opus", 48_000.0, Some(30.0), UNDEFINED)),
        "invalid argument: opus cannot send 30 ms packets; its ptime must be 10, 20, 40 or 60 ms"
    );
    assert_eq!(
        message(new(
            "opus",
            48_000.0,
            None,
            options(&[("frameMs", 20.into())])
        )),
        "invalid argument: opus frame_ms does not apply here: outputPtimeMs sets the opus frame \
         duration"
    );
    assert_eq!(
        message(new(
            "G722",
            16_000.0,
            None,
            options(&[("bitrate", 32_000.into())])
        )),
        "invalid argument: bitrate only applies to the opus codec; got G722"
    );
    assert_eq!(
        message(new("G722", 16_000.5, None, UNDEFINED)),
        "invalid argument: outputRate 16000.5 is not a whole number in 0..=4294967295"
    );
    let mut t = ok(Transcoder::new(
        "L16", 8000.0, 1.0, "PCMU", 8000.0, 1.0, None, UNDEFINED,
    ));
    assert_eq!(
        message(t.push(&[0, 1, 2])),
        "RTP payload of 3 bytes is not a whole number of 2-byte units"
    );
    assert_eq!(ok(t.transcode(&[0; 320])).len(), 1, "usable after an error");
}

#[wasm_bindgen_test]
fn opus_sessions_at_16_khz_hear_each_other() {
    let session = |seed: u64| {
        let opus = options(&[("bitrate", 32_000.into())]);
        ok(MediaSession::new(
            "opus",
            seed.into(),
            Some(111.0),
            None,
            UNDEFINED,
            Some(16_000.0),
            opus,
            UNDEFINED,
        ))
    };
    let (mut a, mut b) = (session(1), session(2));
    assert_eq!(
        (a.sample_rate(), a.frame_samples(), a.payload_type()),
        (16_000, 320, 111)
    );
    let frames = 40;
    let tone = sine(16_000, 440.0, 320 * frames);
    let mut heard = Vec::new();
    for (i, chunk) in tone.chunks_exact(320).enumerate() {
        let now = i as f64 * 20_000.0;
        ok(a.push_capture(now, chunk));
        while let Some(datagram) = ok(a.poll_transmit(now)) {
            assert_eq!(datagram.len(), 12 + 80, "32 kbit/s CBR: 80 bytes per 20 ms");
            ok(b.handle_rtp(now, &datagram));
        }
        let frame = ok(b.pull_playout(now));
        assert_eq!(frame.len(), 320);
        heard.extend(frame.iter().map(|&s| f64::from(s)));
    }
    let start = heard
        .chunks(320)
        .position(|f| f.iter().any(|&s| s != 0.0))
        .expect("B hears audio")
        * 320;
    assert!(start <= 3 * 320, "playout starts after its prefill");
    let reference: Vec<f64> = tone[..heard.len() - start]
        .iter()
        .map(|&s| f64::from(s))
        .collect();
    assert_tone_survives(&reference, &heard[start..], 16_000, 0.9, "opus session");
    assert_eq!(
        get(&b.stats(), "packetsReceived").as_f64(),
        Some(frames as f64)
    );
}

#[wasm_bindgen_test]
fn session_sample_rate_and_opus_errors() {
    let new =
        |codec: &str, pt: Option<f64>, ptime: Option<f64>, rate: Option<f64>, opus: JsValue| {
            MediaSession::new(
                codec, UNDEFINED, pt, ptime, UNDEFINED, rate, opus, UNDEFINED,
            )
        };
    assert_eq!(
        ok(new("G722", None, None, None, UNDEFINED)).sample_rate(),
        16_000
    );
    assert_eq!(
        ok(new(
            "L16",
            Some(96.0),
            Some(10.0),
            Some(48_000.0),
            UNDEFINED
        ))
        .frame_samples(),
        480
    );
    assert_eq!(
        message(new("PCMU", None, None, Some(16_000.0), UNDEFINED)),
        "PCMU does not run at 16000 Hz; supported rates: 8000"
    );
    assert_eq!(
        message(new("opus", Some(111.0), None, Some(44_100.0), UNDEFINED)),
        "opus does not run at 44100 Hz; supported rates: 48000, 24000, 16000, 12000, 8000"
    );
    assert_eq!(
        message(new("opus", None, None, None, UNDEFINED)),
        "invalid argument: opus has no static payload type; give one in the configuration"
    );
    assert_eq!(
        message(new("opus", Some(111.0), Some(30.0), None, UNDEFINED)),
        "invalid argument: opus cannot send 30 ms packets; its ptime must be 10, 20, 40 or 60 ms"
    );
    assert_eq!(
        message(new(
            "PCMU",
            None,
            None,
            None,
            options(&[("inbandFec", true.into())])
        )),
        "invalid argument: inband_fec only applies to the opus codec; got PCMU"
    );
    assert_eq!(
        message(new(
            "opus",
            Some(111.0),
            None,
            None,
            options(&[("frameMs", 20.into())])
        )),
        "invalid argument: opus frame_ms does not apply here: ptimeMs sets the opus frame duration"
    );
    assert!(
        message(new(
            "opus",
            Some(111.0),
            None,
            None,
            options(&[("complexity", 12.into())])
        ))
        .contains("opus complexity 12 is out of range")
    );
}
