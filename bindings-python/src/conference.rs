//! `Conference`: participants that are sessions, one mix clock, everyone hearing everyone
//! else; participant ids are ints, events dicts like a session's.

use core::time::Duration;
use std::sync::{Mutex, PoisonError};

use ::mediacore::Instant;
use ::mediacore::mixer::{
    Conference, ConferenceConfig, ConferenceEvent, ConferenceStats, ParticipantId,
    ParticipantOptions, SpeakerConfig, SpeakerEvent,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::media_err;
use crate::pcm::bytes_from_py;
use crate::record::{PyRecordOptions, finished, limit_name, record_target, set_summary};
use crate::session::{PyMediaSession, event_dict, millis, session_config};

/// Participants' sessions mixed by one clock: each hears everyone but itself.
// The Mutex only makes the class `Sync`, as for `MediaSession`: reached through `get_mut`.
#[pyclass(module = "mediacore", name = "Conference")]
pub struct PyConference {
    inner: Mutex<Conference>,
}

impl PyConference {
    fn inner(&mut self) -> &mut Conference {
        self.inner.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

fn id(participant: u32) -> ParticipantId {
    ParticipantId::new(participant)
}

fn ids(participants: Option<Vec<u32>>) -> Vec<ParticipantId> {
    participants
        .unwrap_or_default()
        .into_iter()
        .map(id)
        .collect()
}

fn ms(value: u64) -> Duration {
    Duration::from_millis(value)
}

#[pymethods]
impl PyConference {
    #[new]
    #[pyo3(signature = (
        sample_rate = 16_000, tick_ms = 20, max_talkers = 4, max_participants = 1000, *,
        talk_on_dbov = -40.0, talk_off_dbov = -45.0, attack_ms = 40, hangover_ms = 600,
        switch_margin_db = 3.0, active_hold_ms = 500, smoothing_ms = 200
    ))]
    #[allow(clippy::too_many_arguments)] // one argument per ConferenceConfig setting
    fn new(
        sample_rate: u32,
        tick_ms: u64,
        max_talkers: usize,
        max_participants: usize,
        talk_on_dbov: f32,
        talk_off_dbov: f32,
        attack_ms: u64,
        hangover_ms: u64,
        switch_margin_db: f32,
        active_hold_ms: u64,
        smoothing_ms: u64,
    ) -> PyResult<Self> {
        let config = ConferenceConfig {
            sample_rate,
            tick: ms(tick_ms),
            max_talkers,
            max_participants,
            speaker: SpeakerConfig {
                talk_on_dbov,
                talk_off_dbov,
                attack: ms(attack_ms),
                hangover: ms(hangover_ms),
                switch_margin_db,
                active_hold: ms(active_hold_ms),
                smoothing: ms(smoothing_ms),
            },
        };
        let conference = Conference::new(config).map_err(media_err)?;
        Ok(PyConference {
            inner: Mutex::new(conference),
        })
    }

    /// Adds a participant whose session is built from `codec` and the keyword arguments of
    /// `MediaSession(...)`; returns its id. It hears the conference from the next tick.
    #[pyo3(signature = (
        codec, *, input_gain_db = 0.0, output_gain_db = 0.0, muted = false, deaf = false,
        listen_only = false, whisper_to = None, exclude = None, **session
    ))]
    #[allow(clippy::too_many_arguments)] // one argument per ParticipantOptions field
    fn add_participant(
        &mut self,
        codec: &Bound<'_, PyAny>,
        input_gain_db: f32,
        output_gain_db: f32,
        muted: bool,
        deaf: bool,
        listen_only: bool,
        whisper_to: Option<Vec<u32>>,
        exclude: Option<Vec<u32>>,
        session: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<u32> {
        let config = session_config(codec, &PyTuple::empty(codec.py()), session)?;
        let options = ParticipantOptions {
            input_gain_db,
            output_gain_db,
            muted,
            deaf,
            listen_only,
            whisper_to: ids(whisper_to),
            exclude: ids(exclude),
        };
        let conference = self.inner();
        let participant = conference
            .add_participant(config, options)
            .map_err(media_err)?;
        Ok(participant.get())
    }

    /// Removes a participant and hands back its session (to close it, read its counters).
    fn remove_participant(&mut self, now_us: u64, participant: u32) -> PyResult<PyMediaSession> {
        let session = self
            .inner()
            .remove_participant(Instant::from_micros(now_us), id(participant))
            .map_err(media_err)?;
        Ok(PyMediaSession::from_core(session))
    }

    /// The participants present, in the order they joined.
    fn participants(&mut self) -> Vec<u32> {
        self.inner()
            .participants()
            .map(ParticipantId::get)
            .collect()
    }

    fn __len__(&mut self) -> usize {
        self.inner().len()
    }

    /// A participant's options as a dict, or None for an id not present.
    fn options<'py>(
        &mut self,
        py: Python<'py>,
        participant: u32,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(o) = self.inner().options(id(participant)) else {
            return Ok(None);
        };
        let dict = PyDict::new(py);
        dict.set_item("input_gain_db", o.input_gain_db)?;
        dict.set_item("output_gain_db", o.output_gain_db)?;
        dict.set_item("muted", o.muted)?;
        dict.set_item("deaf", o.deaf)?;
        dict.set_item("listen_only", o.listen_only)?;
        let numbers = |list: &[ParticipantId]| list.iter().map(|p| p.get()).collect::<Vec<_>>();
        dict.set_item("whisper_to", numbers(&o.whisper_to))?;
        dict.set_item("exclude", numbers(&o.exclude))?;
        Ok(Some(dict))
    }

    /// Mutes or unmutes: a muted participant is not heard (its talking is still reported).
    fn set_muted(&mut self, participant: u32, muted: bool) -> PyResult<()> {
        let conference = self.inner();
        conference
            .set_muted(id(participant), muted)
            .map_err(media_err)
    }

    /// Makes the participant hear nothing, or hear again.
    fn set_deaf(&mut self, participant: u32, deaf: bool) -> PyResult<()> {
        let conference = self.inner();
        conference
            .set_deaf(id(participant), deaf)
            .map_err(media_err)
    }

    /// Makes the participant listen only (never heard, never talking), or not.
    fn set_listen_only(&mut self, participant: u32, listen_only: bool) -> PyResult<()> {
        let conference = self.inner();
        conference
            .set_listen_only(id(participant), listen_only)
            .map_err(media_err)
    }

    /// The gain of the participant's audio into the mix, -60 to 12 dB.
    fn set_input_gain_db(&mut self, participant: u32, db: f32) -> PyResult<()> {
        let conference = self.inner();
        conference
            .set_input_gain_db(id(participant), db)
            .map_err(media_err)
    }

    /// The gain of the mix the participant hears, -60 to 12 dB.
    fn set_output_gain_db(&mut self, participant: u32, db: f32) -> PyResult<()> {
        let conference = self.inner();
        conference
            .set_output_gain_db(id(participant), db)
            .map_err(media_err)
    }

    /// Makes the participant heard only by `targets` (empty: by everyone again).
    fn set_whisper_to(&mut self, participant: u32, targets: Vec<u32>) -> PyResult<()> {
        let targets = ids(Some(targets));
        let conference = self.inner();
        conference
            .set_whisper_to(id(participant), &targets)
            .map_err(media_err)
    }

    /// Sets who the participant does not hear.
    fn set_exclude(&mut self, participant: u32, excluded: Vec<u32>) -> PyResult<()> {
        let excluded = ids(Some(excluded));
        let conference = self.inner();
        conference
            .set_exclude(id(participant), &excluded)
            .map_err(media_err)
    }

    /// The active speaker, or None.
    fn active_speaker(&mut self) -> Option<u32> {
        self.inner().active_speaker().map(ParticipantId::get)
    }

    /// Whether the participant is talking.
    fn is_talking(&mut self, participant: u32) -> bool {
        self.inner().is_talking(id(participant))
    }

    /// The participant's level over the last tick in dBov, or None for an id not present.
    fn level_dbov(&mut self, participant: u32) -> Option<f32> {
        self.inner().mixer().level_dbov(id(participant))
    }

    /// Every counter of the conference, by name.
    fn stats<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        // Destructured so that a counter added to the core fails to compile here.
        let ConferenceStats {
            ticks,
            ticks_skipped,
            shared_encodes,
            shared_sends,
            own_encodes,
            events_dropped,
        } = self.inner().stats();
        let dict = PyDict::new(py);
        dict.set_item("ticks", ticks)?;
        dict.set_item("ticks_skipped", ticks_skipped)?;
        dict.set_item("shared_encodes", shared_encodes)?;
        dict.set_item("shared_sends", shared_sends)?;
        dict.set_item("own_encodes", own_encodes)?;
        dict.set_item("events_dropped", events_dropped)?;
        Ok(dict)
    }

    /// Takes a datagram from the participant; raises MediaError if it is rejected.
    fn handle_rtp(
        &mut self,
        now_us: u64,
        participant: u32,
        datagram: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let datagram = bytes_from_py(datagram)?;
        let now = Instant::from_micros(now_us);
        let conference = self.inner();
        conference
            .handle_rtp(now, id(participant), &datagram)
            .map_err(media_err)
    }

    /// Takes an RTCP compound from the participant; raises MediaError if it is malformed.
    fn handle_rtcp(
        &mut self,
        now_us: u64,
        participant: u32,
        datagram: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let datagram = bytes_from_py(datagram)?;
        let now = Instant::from_micros(now_us);
        let conference = self.inner();
        conference
            .handle_rtcp(now, id(participant), &datagram)
            .map_err(media_err)
    }

    /// Runs the mix clock up to `now_us`: every tick due (the first call starts it).
    fn tick(&mut self, now_us: u64) {
        self.inner().tick(Instant::from_micros(now_us));
    }

    /// When the next tick is due, in microseconds; None before the first `tick`.
    fn poll_timeout(&mut self) -> Option<u64> {
        self.inner().poll_timeout().map(Instant::as_micros)
    }

    /// The next RTP datagram to send as (participant, bytes), or None when all are drained.
    fn poll_transmit<'py>(
        &mut self,
        py: Python<'py>,
        now_us: u64,
    ) -> Option<(u32, Bound<'py, PyBytes>)> {
        self.inner()
            .poll_transmit(Instant::from_micros(now_us))
            .map(|(to, datagram)| (to.get(), PyBytes::new(py, datagram)))
    }

    /// The next RTCP compound to send as (participant, bytes), or None.
    fn poll_rtcp<'py>(
        &mut self,
        py: Python<'py>,
        now_us: u64,
    ) -> Option<(u32, Bound<'py, PyBytes>)> {
        self.inner()
            .poll_rtcp(Instant::from_micros(now_us))
            .map(|(to, datagram)| (to.get(), PyBytes::new(py, datagram)))
    }

    /// The next event as a dict with a "type" key, or None.
    fn poll_event<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.inner()
            .poll_event()
            .map(|event| conference_event_dict(py, event))
            .transpose()
    }

    /// Starts recording the common mix into memory or a new file at `path`; the options'
    /// layout must be "mono".
    #[pyo3(signature = (now_us, options, path = None))]
    fn start_recording(
        &mut self,
        now_us: u64,
        options: &PyRecordOptions,
        path: Option<&str>,
    ) -> PyResult<()> {
        let target = record_target(path)?;
        let now = Instant::from_micros(now_us);
        let config = options.inner.clone();
        let conference = self.inner();
        conference
            .start_recording(now, config, target)
            .map_err(media_err)
    }

    /// Pauses the recording.
    fn pause_recording(&mut self, now_us: u64) -> PyResult<()> {
        let now = Instant::from_micros(now_us);
        self.inner().pause_recording(now).map_err(media_err)
    }

    /// Resumes the recording.
    fn resume_recording(&mut self, now_us: u64) -> PyResult<()> {
        let now = Instant::from_micros(now_us);
        self.inner().resume_recording(now).map_err(media_err)
    }

    /// Completes the recording: (the file's bytes, or None for a file on disk, summary).
    fn stop_recording<'py>(
        &mut self,
        py: Python<'py>,
        now_us: u64,
    ) -> PyResult<(Option<Bound<'py, PyBytes>>, Bound<'py, PyDict>)> {
        let now = Instant::from_micros(now_us);
        let (target, summary) = self.inner().stop_recording(now).map_err(media_err)?;
        finished(py, target, &summary)
    }

    /// Whether a recording runs.
    fn is_recording(&mut self) -> bool {
        self.inner().is_recording()
    }

    /// Audio recorded so far in milliseconds, or None when not recording.
    fn recording_duration_ms(&mut self) -> Option<f64> {
        self.inner().recording_duration().map(millis)
    }

    fn __repr__(&mut self) -> String {
        let conference = self.inner();
        let config = *conference.config();
        format!(
            "Conference(sample_rate={}, tick_ms={}, participants={})",
            config.sample_rate,
            config.tick.as_millis(),
            conference.len()
        )
    }
}

/// `{"type": ..., "participant": id, ...}`: a session's events as `MediaSession.poll_event`
/// gives them with the participant added.
fn conference_event_dict(py: Python<'_>, event: ConferenceEvent) -> PyResult<Bound<'_, PyDict>> {
    let event = match event {
        ConferenceEvent::Session { participant, event } => {
            let dict = event_dict(py, event)?;
            dict.set_item("participant", participant.get())?;
            return Ok(dict);
        }
        other => other,
    };
    let dict = PyDict::new(py);
    dict.set_item("type", event.name())?;
    match event {
        ConferenceEvent::Speaker(
            SpeakerEvent::TalkStarted { participant } | SpeakerEvent::TalkStopped { participant },
        ) => dict.set_item("participant", participant.get())?,
        ConferenceEvent::Speaker(SpeakerEvent::ActiveSpeaker { participant }) => {
            dict.set_item("participant", participant.map(ParticipantId::get))?
        }
        ConferenceEvent::RecordingLimitReached { limit, summary } => {
            dict.set_item("limit", limit_name(limit))?;
            set_summary(&dict, &summary)?;
        }
        ConferenceEvent::RecordingFailed { message } => dict.set_item("message", message)?,
        ConferenceEvent::MediaFailed {
            participant,
            message,
        } => {
            dict.set_item("participant", participant.map(ParticipantId::get))?;
            dict.set_item("message", message)?;
        }
        // Kinds added to the core later carry their type only.
        _ => {}
    }
    Ok(dict)
}
