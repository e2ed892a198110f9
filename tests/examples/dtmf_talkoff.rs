//! Talk-off: false DTMF digits found in speech and music that contain no DTMF, by our
//! detector and by SpanDSP's (`dtmf_rx`, Debian `libspandsp-dev` 0.0.6), on the same audio.
//!
//! Run with `cargo run --release -p mediacore-tests --example dtmf_talkoff`. Needs espeak-ng,
//! sox, cc and libspandsp-dev (`scripts/setup.sh`).
//!
//! Corpus:
//! - speech: espeak-ng reading passages in twelve languages, each in three voices (the
//!   language's default, a female variant and a low, slow male variant at other speeds and
//!   pitches), converted by sox to 8 kHz and 16 kHz; at least ten minutes;
//! - music: seeded synthetic pieces (chord progressions in random keys and tempi, melodies,
//!   bass lines and percussion; instruments with harmonic series from flute-like to
//!   string-like, vibrato, chorus detune and envelopes), some of whose melody and chord notes
//!   sit near DTMF pairs (F5 = 698 Hz with E6 = 1319 Hz or F#6 = 1480 Hz, A#5 with D#6, ...).
//!
//! Every file is one case for a fresh detector. SpanDSP runs at 8 kHz only; ours runs at
//! both rates.

use std::f64::consts::TAU;

use mediacore::dtmf::DtmfDetector;
use mediacore::rng::SeededRng;
use mediacore_tests::oracle::{run, s16le_samples, scratch_dir, spandsp_dtmf_digits};

/// (espeak-ng voice, passage) per language.
const PASSAGES: [(&str, &str); 12] = [
    (
        "en-us",
        "Thank you for calling. Your call is important to us. Please listen carefully, as our \
         menu options have changed. For billing questions, press one. To report an outage, \
         press two. The quick brown fox jumps over the lazy dog, while seven hundred and \
         ninety four people wait in the queue for the next available agent. Yesterday the \
         weather was cold and wet, but tomorrow should be sunny with a light breeze from the \
         south west.",
    ),
    (
        "en-gb",
        "Good afternoon, you have reached the reception desk. All of our operators are busy at \
         the moment. Please hold the line and someone will be with you shortly. Alternatively, \
         you may leave a message after the tone, stating your name, your telephone number and \
         the reason for your call. We are open from nine in the morning until half past five, \
         Monday to Friday, excluding bank holidays.",
    ),
    (
        "de",
        "Guten Tag und herzlich willkommen. Ihr Anruf wird in Kürze entgegengenommen. Bitte \
         haben Sie noch etwas Geduld. Für Fragen zu Ihrer Rechnung wählen Sie bitte die Eins. \
         Die Sonne scheint über den Bergen, und im Tal fließt der Fluss langsam zum See. \
         Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich.",
    ),
    (
        "fr-fr",
        "Bonjour et bienvenue. Tous nos conseillers sont actuellement en ligne. Merci de \
         patienter, votre appel sera traité dans quelques instants. Pour connaître le solde de \
         votre compte, appuyez sur la touche étoile. Le vieux château se dresse au sommet de \
         la colline, et les enfants jouent dans le jardin jusqu'au coucher du soleil.",
    ),
    (
        "es",
        "Buenos días, gracias por llamar. En este momento todos nuestros agentes están \
         ocupados. Por favor, no cuelgue. Su llamada es muy importante para nosotros. El \
         veloz murciélago hindú comía feliz cardillo y kiwi, mientras la cigüeña tocaba el \
         saxofón detrás del palenque de paja.",
    ),
    (
        "it",
        "Buongiorno e benvenuti nel servizio clienti. Per informazioni sul vostro ordine, \
         restate in linea. Un operatore risponderà al più presto. La nebbia copriva la città \
         mentre i gondolieri cantavano lungo il canale, e il profumo del caffè usciva dalle \
         finestre delle case antiche.",
    ),
    (
        "pt-br",
        "Olá, obrigado por ligar. Sua ligação poderá ser gravada para fins de qualidade. Para \
         falar com um de nossos atendentes, aguarde na linha. O rio corre devagar entre as \
         montanhas, e os pássaros cantam nas árvores durante toda a manhã de primavera.",
    ),
    (
        "nl",
        "Goedemiddag, u bent verbonden met de klantenservice. Al onze medewerkers zijn in \
         gesprek. Blijft u alstublieft aan de lijn. De molen draait langzaam in de wind, en \
         de fietsers rijden langs de gracht naar de markt in het centrum van de stad.",
    ),
    (
        "sv",
        "Hej och välkommen till kundtjänst. Du är nummer fyra i kön. Vi besvarar ditt samtal \
         så snart som möjligt. Sjön ligger stilla i kvällsljuset, och vid stranden sitter en \
         fiskare och väntar tålmodigt på att någon fisk ska nappa.",
    ),
    (
        "pl",
        "Dzień dobry, dziękujemy za telefon. Wszyscy konsultanci są obecnie zajęci. Prosimy \
         pozostać na linii. Pociąg do Krakowa odjeżdża z peronu trzeciego, a na dworcu \
         podróżni czekają z walizkami i kupują gorącą herbatę.",
    ),
    (
        "ru",
        "Здравствуйте, спасибо за ваш звонок. Все операторы сейчас заняты. Пожалуйста, \
         оставайтесь на линии. Зимой в лесу очень тихо, только снег скрипит под ногами, и \
         где-то далеко стучит дятел.",
    ),
    (
        "fi",
        "Hyvää päivää ja tervetuloa asiakaspalveluun. Kaikki asiakasneuvojamme ovat tällä \
         hetkellä varattuja. Pysykää linjalla. Järven rannalla on pieni punainen mökki, ja \
         illalla saunan jälkeen uidaan viileässä vedessä.",
    ),
];

/// (voice variant, words per minute, pitch 0-99) for each reading of a passage.
const READINGS: [(&str, &str, &str); 3] = [
    ("", "160", "50"),
    ("+f3", "185", "75"),
    ("+m3", "130", "30"),
];

/// `text` in `voice` at `rate` Hz (mono 16-bit, sox without dither).
fn speak(voice: &str, speed: &str, pitch: &str, text: &str, rate: u32) -> Vec<i16> {
    let dir = scratch_dir("talkoff");
    let wav = dir.join("s.wav");
    let wav = wav.to_str().expect("utf-8 path");
    let args = ["-v", voice, "-s", speed, "-p", pitch, "-w", wav, text];
    run("espeak-ng", &args, &[], "espeak-ng");
    let r = rate.to_string();
    let args = [
        "-D", wav, "-t", "raw", "-r", &r, "-c", "1", "-e", "signed", "-b", "16", "-",
    ];
    let pcm = s16le_samples(&run("sox", &args, &[], "sox"));
    let _ = std::fs::remove_dir_all(&dir);
    pcm
}

fn uniform(rng: &mut SeededRng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// The frequency of MIDI note `n` (A4 = 69 = 440 Hz, equal temperament).
fn midi_hz(n: f64) -> f64 {
    440.0 * 2f64.powf((n - 69.0) / 12.0)
}

/// An instrument: harmonic amplitudes, envelope and vibrato.
#[derive(Clone, Copy)]
struct Timbre {
    /// Harmonic k has amplitude k^-rolloff.
    rolloff: f64,
    /// Only odd harmonics (clarinet-like).
    odd: bool,
    attack_s: f64,
    /// Exponential decay per second after the attack (0: sustained).
    decay: f64,
    vibrato_depth: f64,
    vibrato_hz: f64,
    /// A second voice detuned by this fraction (chorus), 0 for none.
    detune: f64,
}

impl Timbre {
    fn random(rng: &mut SeededRng) -> Timbre {
        Timbre {
            rolloff: 0.7 + 2.5 * uniform(rng),
            odd: uniform(rng) < 0.25,
            attack_s: 0.005 + 0.08 * uniform(rng),
            decay: if uniform(rng) < 0.5 {
                0.0
            } else {
                1.0 + 6.0 * uniform(rng)
            },
            vibrato_depth: if uniform(rng) < 0.5 {
                0.0
            } else {
                0.002 + 0.006 * uniform(rng)
            },
            vibrato_hz: 4.0 + 3.0 * uniform(rng),
            detune: if uniform(rng) < 0.3 {
                0.002 + 0.004 * uniform(rng)
            } else {
                0.0
            },
        }
    }
}

/// Adds one note of `timbre` at `hz` and `amp` to `out` from `start_s` for `len_s`.
fn note(out: &mut [f64], rate: f64, t: &Timbre, hz: f64, amp: f64, start_s: f64, len_s: f64) {
    let first = (start_s * rate) as usize;
    let n = (len_s * rate) as usize;
    let release = 0.03;
    let harmonics: Vec<(f64, f64)> = (1..=12)
        .filter(|k| !t.odd || k % 2 == 1)
        .map(|k| (k as f64, (k as f64).powf(-t.rolloff)))
        .filter(|&(k, _)| k * hz < rate / 2.0 - 200.0)
        .collect();
    let voices: &[f64] = if t.detune > 0.0 { &[0.0, 1.0] } else { &[0.0] };
    for &v in voices {
        let f0 = hz * (1.0 + v * t.detune);
        let mut phase = 0.0f64;
        for i in 0..n {
            let Some(o) = out.get_mut(first + i) else {
                break;
            };
            let s = i as f64 / rate;
            let env = (s / t.attack_s).min(1.0)
                * (-t.decay * s).exp()
                * ((len_s - s) / release).clamp(0.0, 1.0);
            let f = f0 * (1.0 + t.vibrato_depth * (TAU * t.vibrato_hz * s).sin());
            phase += TAU * f / rate;
            let mut x = 0.0;
            for &(k, a) in &harmonics {
                x += a * (k * phase).sin();
            }
            *o += amp * env * x / voices.len() as f64;
        }
    }
}

/// A seeded piece of `seconds` at `rate` Hz; `dtmf_like` puts melody and chord notes near
/// DTMF frequencies.
fn piece(seed: u64, rate: u32, seconds: f64, dtmf_like: bool) -> Vec<i16> {
    let rate_f = f64::from(rate);
    let mut rng = SeededRng::new(seed);
    let mut out = vec![0.0f64; (seconds * rate_f) as usize];
    let beat = 60.0 / (70.0 + 90.0 * uniform(&mut rng));
    let key = 48.0 + (rng.next_u32() % 12) as f64;
    let minor = rng.next_u32() % 2 == 1;
    let scale: [f64; 7] = if minor {
        [0.0, 2.0, 3.0, 5.0, 7.0, 8.0, 10.0]
    } else {
        [0.0, 2.0, 4.0, 5.0, 7.0, 9.0, 11.0]
    };
    let degree = |d: i64| {
        let octave = d.div_euclid(7) as f64;
        scale[d.rem_euclid(7) as usize] + 12.0 * octave
    };
    let progressions: [[i64; 4]; 4] = [[0, 4, 5, 3], [0, 3, 4, 4], [5, 3, 0, 4], [0, 5, 1, 4]];
    let prog = progressions[rng.next_u32() as usize % 4];
    let pad = Timbre::random(&mut rng);
    let lead = Timbre::random(&mut rng);
    let bass = Timbre {
        rolloff: 1.5,
        odd: false,
        attack_s: 0.01,
        decay: 2.0,
        vibrato_depth: 0.0,
        vibrato_hz: 5.0,
        detune: 0.0,
    };
    let bar = 4.0 * beat;
    let mut t0 = 0.0;
    let mut bar_index = 0;
    let mut melody = 14i64 + (rng.next_u32() % 5) as i64;
    while t0 < seconds {
        let root = prog[bar_index % 4];
        // Chord: a triad or a seventh, in the octave above middle C.
        let size = if rng.next_u32().is_multiple_of(3) {
            4
        } else {
            3
        };
        for k in 0..size {
            let n = key + 12.0 + degree(root + 2 * k);
            note(&mut out, rate_f, &pad, midi_hz(n), 900.0, t0, bar);
        }
        // Bass on every beat.
        for b in 0..4 {
            let n = key - 12.0 + degree(root + if b == 2 { 4 } else { 0 });
            note(
                &mut out,
                rate_f,
                &bass,
                midi_hz(n),
                2500.0,
                t0 + b as f64 * beat,
                beat,
            );
        }
        // Melody: a random walk on the scale, in the octave of the DTMF rows and columns.
        let mut t = t0;
        while t < t0 + bar {
            let len = beat * [0.5, 1.0, 1.0, 1.5, 2.0][rng.next_u32() as usize % 5];
            melody = (melody + (rng.next_u32() % 5) as i64 - 2).clamp(10, 24);
            let n = key + 12.0 + degree(melody);
            note(&mut out, rate_f, &lead, midi_hz(n), 2200.0, t, len);
            t += len;
        }
        if dtmf_like {
            // Two notes a DTMF pair apart (within a few percent), held for a beat or two.
            let rows = [77.0, 79.0, 81.0, 82.0]; // F5, G5, A5, A#5
            let cols = [
                74.0 + 12.0,
                75.0 + 12.0,
                76.0 + 12.0,
                78.0 + 12.0,
                80.0 + 12.0,
            ]; // D6..G#6
            let r = rows[rng.next_u32() as usize % 4];
            let c = cols[rng.next_u32() as usize % 5];
            let at = t0 + beat * (rng.next_u32() % 3) as f64;
            let len = beat * (1.0 + (rng.next_u32() % 2) as f64);
            note(&mut out, rate_f, &lead, midi_hz(r), 2500.0, at, len);
            note(&mut out, rate_f, &pad, midi_hz(c), 1800.0, at, len);
        }
        // Percussion: a kick on beats 1 and 3, noise hats on the off-beats.
        for b in 0..4 {
            let start = ((t0 + b as f64 * beat) * rate_f) as usize;
            if b % 2 == 0 {
                for i in 0..(0.15 * rate_f) as usize {
                    let s = i as f64 / rate_f;
                    if let Some(o) = out.get_mut(start + i) {
                        *o += 6000.0
                            * (-25.0 * s).exp()
                            * (TAU * (55.0 + 60.0 * (-40.0 * s).exp()) * s).sin();
                    }
                }
            }
            let hat = start + (beat / 2.0 * rate_f) as usize;
            for i in 0..(0.05 * rate_f) as usize {
                let s = i as f64 / rate_f;
                if let Some(o) = out.get_mut(hat + i) {
                    *o += 1500.0 * (-80.0 * s).exp() * (2.0 * uniform(&mut rng) - 1.0);
                }
            }
        }
        t0 += bar;
        bar_index += 1;
    }
    // Overall level: a random gain and a slow swell, then saturation to 16 bits.
    let gain = 0.5 + uniform(&mut rng);
    out.iter()
        .enumerate()
        .map(|(i, &x)| {
            let swell = 0.75 + 0.25 * (TAU * 0.05 * i as f64 / rate_f).sin();
            (x * gain * swell).round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

fn ours(rate: u32, pcm: &[i16]) -> String {
    let mut d = DtmfDetector::new(rate).expect("8 or 16 kHz");
    let mut found: String = d.detect(pcm).iter().map(|f| f.digit.as_char()).collect();
    d.flush();
    found.extend(d.digits().iter().map(|f| f.digit.as_char()));
    found
}

/// A named part of the corpus: its files at 8 and 16 kHz.
struct Part {
    name: String,
    files: Vec<(Vec<i16>, Vec<i16>)>,
}

fn main() {
    let mut parts = Vec::new();
    for (voice, text) in PASSAGES {
        let mut files = Vec::new();
        for (variant, speed, pitch) in READINGS {
            let v = format!("{voice}{variant}");
            files.push((
                speak(&v, speed, pitch, text, 8000),
                speak(&v, speed, pitch, text, 16000),
            ));
        }
        parts.push(Part {
            name: format!("speech, {voice}"),
            files,
        });
    }
    for (name, dtmf_like, seeds) in [
        ("music, chords and melodies", false, 0..12u64),
        ("music, with notes near DTMF pairs", true, 100..112u64),
    ] {
        let files = seeds
            .map(|s| {
                (
                    piece(s, 8000, 20.0, dtmf_like),
                    piece(s, 16000, 20.0, dtmf_like),
                )
            })
            .collect();
        parts.push(Part {
            name: name.to_owned(),
            files,
        });
    }
    let all8: Vec<&[i16]> = parts
        .iter()
        .flat_map(|p| p.files.iter().map(|f| &f.0[..]))
        .collect();
    let theirs = spandsp_dtmf_digits(&all8);
    let mut theirs = theirs.into_iter();
    println!("| corpus | minutes | ours, 8 kHz | ours, 16 kHz | SpanDSP, 8 kHz |");
    println!("|---|---|---|---|---|");
    let mut totals = [0usize; 3];
    let mut minutes = [0.0f64; 2];
    for part in &parts {
        let mut counts = [0usize; 3];
        let mut found = [String::new(), String::new(), String::new()];
        let mut seconds = 0.0;
        for (pcm8, pcm16) in &part.files {
            seconds += pcm8.len() as f64 / 8000.0;
            let f = [
                ours(8000, pcm8),
                ours(16000, pcm16),
                theirs.next().unwrap_or_default(),
            ];
            for k in 0..3 {
                counts[k] += f[k].len();
                found[k].push_str(&f[k]);
                totals[k] += f[k].len();
            }
        }
        minutes[usize::from(part.name.starts_with("music"))] += seconds / 60.0;
        println!(
            "| {} | {:.1} | {} | {} | {} |",
            part.name,
            seconds / 60.0,
            counts[0],
            counts[1],
            counts[2]
        );
        if found.iter().any(|f| !f.is_empty()) {
            eprintln!(
                "{}: ours 8k {:?}, ours 16k {:?}, SpanDSP {:?}",
                part.name, found[0], found[1], found[2]
            );
        }
    }
    println!(
        "| all ({:.1} min speech, {:.1} min music) | {:.1} | {} | {} | {} |",
        minutes[0],
        minutes[1],
        minutes[0] + minutes[1],
        totals[0],
        totals[1],
        totals[2]
    );
}
