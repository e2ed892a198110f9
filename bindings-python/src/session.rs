//! `MediaSession`: one call's media pipeline, driven with integer microsecond times.

use core::time::Duration;
use std::sync::{Mutex, PoisonError};

use ::mediacore::{AudioFrame, Codec, Event, Instant, SessionConfig};
use pyo3::prelude::*;
use pyo3::types::{IntoPyDict, PyBytes, PyDict};

use crate::media_err;
use crate::opus::opus_config;
use crate::pcm::{bytes_from_py, pcm_from_py, pcm_to_py};

/// `d` in milliseconds, keeping the microseconds as a fraction.
fn millis(d: Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

/// One call's media: decode and play what arrives, encode and packetize what is captured.
// The Mutex only makes the class `Sync`; pyo3's borrow checking already gives each call
// exclusive access, so it is reached through `get_mut` and never locked.
#[pyclass(module = "mediacore", name = "MediaSession")]
pub struct PyMediaSession {
    inner: Mutex<::mediacore::MediaSession>,
}

impl PyMediaSession {
    fn inner(&mut self) -> &mut ::mediacore::MediaSession {
        self.inner.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

#[pymethods]
impl PyMediaSession {
    #[new]
    #[pyo3(
        signature = (
            codec, seed = 0, payload_type = None, ptime_ms = 20, rtp_timeout_ms = Some(30_000),
            sample_rate = None, **opus
        ),
        text_signature = "(codec, seed=0, payload_type=None, ptime_ms=20, rtp_timeout_ms=30000, \
            sample_rate=None, **opus)"
    )]
    fn new(
        codec: &str,
        seed: u64,
        payload_type: Option<u8>,
        ptime_ms: u64,
        rtp_timeout_ms: Option<u64>,
        sample_rate: Option<u32>,
        opus: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let codec = Codec::from_name(codec).map_err(media_err)?;
        // The session's ptime sets the Opus frame duration.
        let opus = opus_config(opus, codec, Some("ptime_ms"))?;
        let config = SessionConfig {
            payload_type,
            sample_rate,
            ptime: Duration::from_millis(ptime_ms),
            seed,
            rtp_timeout: rtp_timeout_ms.map(Duration::from_millis),
            opus,
            ..SessionConfig::new(codec)
        };
        let session = ::mediacore::MediaSession::new(config).map_err(media_err)?;
        Ok(PyMediaSession {
            inner: Mutex::new(session),
        })
    }

    /// The SDP encoding name of the codec used both ways.
    #[getter]
    fn codec(&mut self) -> &'static str {
        self.inner().codec().name()
    }

    /// The RTP payload type used both ways.
    #[getter]
    fn payload_type(&mut self) -> u8 {
        self.inner().payload_type()
    }

    /// Sample rate of captured and played audio, in Hz.
    #[getter]
    fn sample_rate(&mut self) -> u32 {
        self.inner().sample_rate()
    }

    /// Samples in one ptime frame (the length of `pull_playout`'s result).
    #[getter]
    fn frame_samples(&mut self) -> usize {
        self.inner().frame_samples()
    }

    /// The SSRC of the stream this session sends.
    #[getter]
    fn local_ssrc(&mut self) -> u32 {
        self.inner().local_ssrc()
    }

    /// The SSRC of the stream this session receives, once one has been heard.
    #[getter]
    fn remote_ssrc(&mut self) -> Option<u32> {
        self.inner().remote_ssrc()
    }

    /// Takes one received datagram; raises MediaError if it is rejected.
    fn handle_rtp(&mut self, now_us: u64, datagram: &Bound<'_, PyAny>) -> PyResult<()> {
        let datagram = bytes_from_py(datagram)?;
        self.inner()
            .handle_rtp(Instant::from_micros(now_us), &datagram)
            .map_err(media_err)
    }

    /// Takes captured mono int16 audio (any length) at the session's sample rate.
    fn push_capture(&mut self, now_us: u64, pcm: &Bound<'_, PyAny>) -> PyResult<()> {
        let samples = pcm_from_py(pcm)?;
        let session = self.inner();
        let frame = AudioFrame::new(samples, session.sample_rate(), 1).map_err(media_err)?;
        session
            .push_capture(Instant::from_micros(now_us), &frame)
            .map_err(media_err)
    }

    /// The next datagram to send, or None when there is nothing to send.
    fn poll_transmit<'py>(&mut self, py: Python<'py>, now_us: u64) -> Option<Bound<'py, PyBytes>> {
        self.inner()
            .poll_transmit(Instant::from_micros(now_us))
            .map(|datagram| PyBytes::new(py, datagram))
    }

    /// One ptime frame for the speaker: `array('h')`, or numpy int16 if `numpy` is true.
    #[pyo3(signature = (now_us, *, numpy = false))]
    fn pull_playout<'py>(
        &mut self,
        py: Python<'py>,
        now_us: u64,
        numpy: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let frame = self.inner().pull_playout(Instant::from_micros(now_us));
        pcm_to_py(py, frame.samples(), numpy)
    }

    /// The next event as a dict with a "type" key, or None.
    fn poll_event<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.inner()
            .poll_event()
            .map(|event| event_dict(py, event))
            .transpose()
    }

    /// When to call `handle_timeout` next, in microseconds, or None.
    fn poll_timeout(&mut self) -> Option<u64> {
        self.inner().poll_timeout().map(Instant::as_micros)
    }

    /// Lets the session act on time passing (the RTP inactivity timeout).
    fn handle_timeout(&mut self, now_us: u64) {
        self.inner().handle_timeout(Instant::from_micros(now_us));
    }

    /// Every counter of the session, by name.
    fn stats<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        self.inner().stats().fields().into_py_dict(py)
    }

    fn __repr__(&mut self) -> String {
        let session = self.inner();
        format!(
            "MediaSession('{}', payload_type={}, local_ssrc={})",
            session.codec().name(),
            session.payload_type(),
            session.local_ssrc()
        )
    }
}

/// `{"type": event.name(), ...fields}` with durations in milliseconds.
fn event_dict(py: Python<'_>, event: Event) -> PyResult<Bound<'_, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("type", event.name())?;
    match event {
        Event::RemoteSourceStarted { ssrc } => dict.set_item("ssrc", ssrc)?,
        Event::RemoteSourceChanged { old, new } => {
            dict.set_item("old", old)?;
            dict.set_item("new", new)?;
        }
        Event::RtpTimeout { silent_for } => dict.set_item("silent_for_ms", millis(silent_for))?,
        // Events without fields, and kinds added to the core later, carry their type only.
        _ => {}
    }
    Ok(dict)
}
