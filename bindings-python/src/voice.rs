//! `VoiceSettings`: a session's voice processing (`MediaSession(..., voice=...)`), and the
//! names by which the session's voice methods take a direction and a stage.

use core::time::Duration;

use ::mediacore::voice::EchoEngine;
use ::mediacore::{VoiceDirection, VoiceSettings, VoiceStage, VoiceStages};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::media_err;
use crate::session::millis;

/// Which voice stages run on a session's capture and playout, and their settings.
#[pyclass(module = "mediacore", name = "VoiceSettings", frozen, from_py_object)]
#[derive(Clone)]
pub struct PyVoiceSettings {
    pub(crate) inner: VoiceSettings,
}

#[pymethods]
impl PyVoiceSettings {
    /// `capture` and `playout` name the stages to run ("echo_cancellation",
    /// "noise_suppression", "gain_control", "vad", "level_meter", "comfort_noise"; echo
    /// cancellation and comfort noise on capture only). Raises MediaError for an unknown
    /// stage, a stage on the wrong path, comfort noise or barge-in without their VAD, or a
    /// value out of range. `echo_engine` is "aec3" (WebRTC AEC3, the default: relearns a
    /// changed echo path fastest, cuts the near end in double talk) or "mdf" (ours: keeps
    /// the near end in double talk, relearns a changed path more slowly).
    #[new]
    #[pyo3(signature = (
        *, capture = Vec::new(), playout = Vec::new(), gain_target_dbov = -26.0,
        vad_hangover_ms = 200, sid_interval_ms = 500, barge_in_on_speech = false,
        echo_engine = "aec3"
    ))]
    fn new(
        capture: Vec<String>,
        playout: Vec<String>,
        gain_target_dbov: f32,
        vad_hangover_ms: u64,
        sid_interval_ms: u64,
        barge_in_on_speech: bool,
        echo_engine: &str,
    ) -> PyResult<Self> {
        let inner = VoiceSettings {
            capture: stages(&capture)?,
            playout: stages(&playout)?,
            gain_target_dbov,
            vad_hangover: Duration::from_millis(vad_hangover_ms),
            sid_interval: Duration::from_millis(sid_interval_ms),
            barge_in_on_speech,
            echo_engine: EchoEngine::from_name(echo_engine).map_err(|e| media_err(e.into()))?,
        };
        inner.validate().map_err(media_err)?;
        Ok(PyVoiceSettings { inner })
    }

    /// The capture stages on, in pipeline order.
    #[getter]
    fn capture(&self) -> Vec<&'static str> {
        names(&self.inner.capture)
    }

    /// The playout stages on, in pipeline order.
    #[getter]
    fn playout(&self) -> Vec<&'static str> {
        names(&self.inner.playout)
    }

    /// The level gain control aims for, in dBov.
    #[getter]
    fn gain_target_dbov(&self) -> f32 {
        self.inner.gain_target_dbov
    }

    /// How long voice stays active after the last speech, in milliseconds.
    #[getter]
    fn vad_hangover_ms(&self) -> f64 {
        millis(self.inner.vad_hangover)
    }

    /// How often a SID is sent during comfort noise, in milliseconds.
    #[getter]
    fn sid_interval_ms(&self) -> f64 {
        millis(self.inner.sid_interval)
    }

    /// Whether the remote party's speech stops an interruptible prompt.
    #[getter]
    fn barge_in_on_speech(&self) -> bool {
        self.inner.barge_in_on_speech
    }

    /// The echo canceller: "aec3" or "mdf".
    #[getter]
    fn echo_engine(&self) -> &'static str {
        self.inner.echo_engine.name()
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }

    fn __repr__(&self) -> String {
        format!(
            "VoiceSettings(capture={:?}, playout={:?}, gain_target_dbov={}, vad_hangover_ms={}, \
             sid_interval_ms={}, barge_in_on_speech={}, echo_engine={:?})",
            self.capture(),
            self.playout(),
            self.inner.gain_target_dbov,
            self.vad_hangover_ms(),
            self.sid_interval_ms(),
            if self.inner.barge_in_on_speech {
                "True"
            } else {
                "False"
            },
            self.echo_engine()
        )
    }
}

fn stages(names: &[String]) -> PyResult<VoiceStages> {
    let mut stages = VoiceStages::default();
    for name in names {
        stages.set(stage(name)?, true);
    }
    Ok(stages)
}

fn names(stages: &VoiceStages) -> Vec<&'static str> {
    stages.enabled().map(VoiceStage::name).collect()
}

/// The stage named `name`, or MediaError.
pub(crate) fn stage(name: &str) -> PyResult<VoiceStage> {
    VoiceStage::from_name(name).map_err(|e| media_err(e.into()))
}

/// The direction named `name` ("capture" or "playout"), or MediaError.
pub(crate) fn direction(name: &str) -> PyResult<VoiceDirection> {
    VoiceDirection::from_name(name).map_err(|e| media_err(e.into()))
}

/// `{"rms_dbov", "peak_dbov"}` of a voice level.
pub(crate) fn level_dict<'py>(
    py: Python<'py>,
    level: ::mediacore::VoiceLevel,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("rms_dbov", level.rms_dbov)?;
    dict.set_item("peak_dbov", level.peak_dbov)?;
    Ok(dict)
}
