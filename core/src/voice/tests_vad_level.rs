use core::time::Duration;

use super::*;

fn sine(rate: u32, freq: f64, amplitude: f64, len: usize) -> Vec<i16> {
    (0..len)
        .map(|n| {
            let phase = std::f64::consts::TAU * freq * n as f64 / f64::from(rate);
            (amplitude * phase.sin()).round() as i16
        })
        .collect()
}

fn close(got: f64, want: f64, tolerance: f64) -> bool {
    (got - want).abs() <= tolerance
}

#[test]
fn known_signals_read_their_textbook_levels() {
    // A full-scale sine (1 kHz at 8 kHz hits the peaks exactly): -3.01 dBov RMS, 0 dBov peak.
    let s = sine(8000, 1000.0, FULL_SCALE, 8000);
    let l = FrameLevel::measure(&s);
    assert!(close(l.rms_dbov(), -3.0103, 0.001), "{}", l.rms_dbov());
    assert_eq!(l.peak, 32767);
    assert_eq!(l.peak_dbov(), 0.0);

    // A full-scale square wave is the reference: 0 dBov RMS and peak; -32768 counts as 32767.
    let square: Vec<i16> = (0..800)
        .map(|n| if n % 8 < 4 { 32767 } else { -32768 })
        .collect();
    let l = FrameLevel::measure(&square);
    assert!(close(l.rms_dbov(), 0.0, 0.001), "{}", l.rms_dbov());
    assert_eq!(l.peak_dbov(), 0.0);

    // A sine 20 dB down: -23.01 dBov RMS, -20 dBov peak (to the rounding of its samples).
    let s = sine(48_000, 997.0, FULL_SCALE / 10.0, 48_000);
    let l = FrameLevel::measure(&s);
    assert!(close(l.rms_dbov(), -23.0103, 0.01), "{}", l.rms_dbov());
    assert!(close(l.peak_dbov(), -20.0, 0.01), "{}", l.peak_dbov());

    // DC at half scale: -6.02 dBov both ways.
    let l = FrameLevel::measure(&[16384; 100]);
    assert!(close(l.rms_dbov(), -6.0203, 0.001), "{}", l.rms_dbov());
    assert!(close(l.peak_dbov(), -6.0203, 0.001), "{}", l.peak_dbov());

    // Silence and nothing read the floor; one LSB reads about -90.3 dBov.
    assert_eq!(FrameLevel::measure(&[0; 160]).rms_dbov(), SILENCE_DBOV);
    assert_eq!(FrameLevel::measure(&[]).peak_dbov(), SILENCE_DBOV);
    assert!(close(
        FrameLevel::measure(&[1; 10]).rms_dbov(),
        -90.309,
        0.001
    ));
}

#[test]
fn integrated_rms_follows_a_step_with_its_time_constant() {
    let rate = 8000;
    let config = MeterConfig {
        integration: Duration::from_millis(100),
        ..MeterConfig::default()
    };
    let mut meter = LevelMeter::new(rate, config).expect("valid");
    let tone = sine(rate, 1000.0, FULL_SCALE, 8000);
    // One time constant (800 samples) in: 1 - 1/e of the power, i.e. -3.01 - 1.99 dB.
    for frame in tone[..800].chunks(160) {
        meter.process(frame);
    }
    let expected = -3.0103 + 10.0 * (1.0 - (-1.0f64).exp()).log10();
    assert!(
        close(meter.rms_dbov(), expected, 0.05),
        "{}",
        meter.rms_dbov()
    );
    // Settled after ten.
    for frame in tone[800..].chunks(160) {
        meter.process(frame);
    }
    assert!(
        close(meter.rms_dbov(), -3.0103, 0.01),
        "{}",
        meter.rms_dbov()
    );
    // And the meter keeps the last frame's own level.
    assert!(close(meter.frame().rms_dbov(), -3.0103, 0.01));
    // Frame boundaries do not matter: the average runs per sample.
    let mut other = LevelMeter::new(rate, config).expect("valid");
    for frame in tone.chunks(37) {
        other.process(frame);
    }
    assert!(close(other.rms_dbov(), meter.rms_dbov(), 1e-9));
}

#[test]
fn peak_holds_then_decays_at_its_rate_and_a_louder_peak_takes_over() {
    let rate = 8000;
    let config = MeterConfig {
        integration: Duration::from_millis(300),
        peak_hold: Duration::from_millis(500),
        peak_decay_db_per_s: 20.0,
    };
    let mut meter = LevelMeter::new(rate, config).expect("valid");
    let mut click = [0i16; 80];
    click[0] = 3277; // -20 dBov
    meter.process(&click);
    let silence = [0i16; 80];
    // Held for 500 ms from the click.
    for _ in 0..49 {
        meter.process(&silence);
    }
    assert!(
        close(meter.peak_dbov(), -20.0, 0.01),
        "{}",
        meter.peak_dbov()
    );
    // Then 1 s of decay at 20 dB/s (less the sample of the click itself).
    for _ in 0..100 {
        meter.process(&silence);
    }
    assert!(
        close(meter.peak_dbov(), -40.0, 0.01),
        "{}",
        meter.peak_dbov()
    );
    // A louder frame replaces the reading at once; a quieter one does not.
    click[3] = -16384;
    meter.process(&click);
    assert!(
        close(meter.peak_dbov(), -6.02, 0.01),
        "{}",
        meter.peak_dbov()
    );
    meter.process(&[100; 80]);
    assert!(close(meter.peak_dbov(), -6.02, 0.01));
    // It never falls through the floor, and reset returns there.
    for _ in 0..10_000 {
        meter.process(&silence);
    }
    assert_eq!(meter.peak_dbov(), SILENCE_DBOV);
    meter.process(&click);
    meter.reset();
    assert_eq!(meter.peak_dbov(), SILENCE_DBOV);
    assert_eq!(meter.rms_dbov(), SILENCE_DBOV);
}

#[test]
fn meter_parameters_are_checked() {
    assert!(LevelMeter::new(0, MeterConfig::default()).is_err());
    assert!(LevelMeter::new(400_000, MeterConfig::default()).is_err());
    let mut c = MeterConfig {
        integration: Duration::ZERO,
        ..MeterConfig::default()
    };
    assert!(matches!(
        LevelMeter::new(8000, c),
        Err(VadError::InvalidParameter { .. })
    ));
    c.integration = Duration::from_millis(10);
    c.peak_decay_db_per_s = f64::NAN;
    assert!(LevelMeter::new(8000, c).is_err());
    c.peak_decay_db_per_s = -1.0;
    assert!(LevelMeter::new(8000, c).is_err());
}

#[test]
fn noise_floor_falls_at_once_rises_within_its_window_and_ignores_bursts() {
    let mut floor = NoiseFloor::new(25);
    assert_eq!(floor.power(), 0.0);
    for _ in 0..300 {
        floor.update(100.0);
    }
    assert_eq!(floor.power(), 100.0);
    // A second of speech-like bursts does not lift it.
    for i in 0..100 {
        floor.update(if i % 10 < 7 { 1.0e6 } else { 100.0 });
    }
    assert_eq!(floor.power(), 100.0);
    // A quieter background takes over at once.
    floor.update(10.0);
    assert_eq!(floor.power(), 10.0);
    // A louder one within the window (8 x 25 blocks) and one sub-window more.
    let risen = (1..=250).find(|_| floor.update(1000.0) == 1000.0);
    assert!(matches!(risen, Some(n) if n > 175 && n <= 225), "{risen:?}");
    // Junk reads as silence rather than poisoning the minimum.
    assert_eq!(floor.update(f64::NAN), 0.0);
    floor.reset();
    assert_eq!(floor.power(), 0.0);
    assert_eq!(floor.dbov(), SILENCE_DBOV);
}
