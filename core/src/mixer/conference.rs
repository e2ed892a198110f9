//! [`Conference`]: participants that are [`MediaSession`]s, each with its own codec, rate,
//! packet time, jitter buffer and concealment, mixed by one clock.
//!
//! Each tick (driven by the host's calls to [`Conference::tick`]): every session's playout
//! is pulled (a late or silent participant's jitter buffer conceals or plays silence, so
//! nobody waits for anybody), its level measured, and the audio of those mixed converted
//! to the mix rate; the [`Mixer`] mixes; then each participant gets either its own mix
//! (converted to its rate and encoded for it) or the common mix, which is converted and
//! encoded once per group of participants with the same codec, rate and packet time, and
//! the same payload sent in each member's session.

use core::time::Duration;
use std::collections::VecDeque;

use super::config::{ConferenceConfig, ParticipantId, ParticipantOptions};
use super::group::{Group, GroupKey};
use super::member::Member;
use super::mix::{Hears, Mixer};
use super::speaker::SpeakerEvent;
use crate::dsp::SUPPORTED_RATES;
use crate::error::{Error, Result};
use crate::frame::AudioFrame;
use crate::record::{
    RecordConfig, RecordEvent, RecordLayout, RecordLimit, Recorder, RecordingSummary,
};
use crate::session::{Event, MediaSession, RecordTarget, SessionConfig};
use crate::time::Instant;

/// Events kept before the oldest are dropped.
const EVENT_CAPACITY: usize = 1024;
/// Ticks a late host's call runs at most; older ones are skipped.
const MAX_CATCH_UP: u64 = 5;

/// Something that happened in a conference, drained with [`Conference::poll_event`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConferenceEvent {
    /// Talking started or stopped, or the active speaker changed.
    Speaker(SpeakerEvent),
    /// An event of a participant's session (DTMF, RTP timeout, quality, BYE...).
    Session {
        /// Whose session.
        participant: ParticipantId,
        /// What happened.
        event: Event,
    },
    /// The conference recording reached a limit; collect it with
    /// [`Conference::stop_recording`].
    RecordingLimitReached {
        /// Which limit.
        limit: RecordLimit,
        /// The recording at that point.
        summary: RecordingSummary,
    },
    /// The conference recording's target failed; nothing more is recorded.
    RecordingFailed {
        /// What went wrong.
        message: String,
    },
    /// Media for a participant (or for a group, `None`) could not be converted, encoded or
    /// sent in a tick; the next tick tries again.
    MediaFailed {
        /// Whose media.
        participant: Option<ParticipantId>,
        /// What went wrong.
        message: String,
    },
}

impl ConferenceEvent {
    /// A stable snake_case name for the event kind, used by the bindings and the server.
    pub const fn name(&self) -> &'static str {
        match self {
            ConferenceEvent::Speaker(e) => e.name(),
            ConferenceEvent::Session { .. } => "session",
            ConferenceEvent::RecordingLimitReached { .. } => "recording_limit_reached",
            ConferenceEvent::RecordingFailed { .. } => "recording_failed",
            ConferenceEvent::MediaFailed { .. } => "media_failed",
        }
    }
}

/// A session [`Conference::add_session`] did not take, handed back with the reason.
#[derive(Debug)]
pub struct Rejected {
    /// Why it could not join.
    pub error: Error,
    /// The session, as it was.
    pub session: MediaSession,
}
/// Counters kept by a conference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ConferenceStats {
    /// Ticks mixed.
    pub ticks: u64,
    /// Ticks skipped because the host called more than five ticks late.
    pub ticks_skipped: u64,
    /// Encoder calls for common payloads (once per group and packet that someone takes).
    pub shared_encodes: u64,
    /// Common payloads handed to a participant's session.
    pub shared_sends: u64,
    /// Encoder calls for one participant's own mix.
    pub own_encodes: u64,
    /// Events dropped because the host did not drain them in time.
    pub events_dropped: u64,
}

/// A conference: sessions in, one mix clock, everyone hearing everyone else.
///
/// ```
/// use core::time::Duration;
/// use mediacore::mixer::{Conference, ConferenceConfig, ParticipantOptions};
/// use mediacore::{Codec, Instant, SessionConfig};
///
/// let mut conference = Conference::new(ConferenceConfig::new(16_000))?;
/// let alice = conference.add_participant(
///     SessionConfig { seed: 1, ..SessionConfig::new(Codec::Pcmu) },
///     ParticipantOptions::default(),
/// )?;
/// let bob = conference.add_participant(
///     SessionConfig { seed: 2, ..SessionConfig::new(Codec::G722) },
///     ParticipantOptions::default(),
/// )?;
/// let mut now = Instant::ZERO;
/// # let received: Vec<(mediacore::mixer::ParticipantId, Vec<u8>)> = Vec::new();
/// for _ in 0..3 {
///     for (who, datagram) in &received {
///         let _ = conference.handle_rtp(now, *who, datagram); // from each participant's socket
///     }
///     conference.tick(now); // the mix clock
///     while let Some((who, datagram)) = conference.poll_transmit(now) {
///         let _ = (who, datagram); // send to that participant
///     }
///     while let Some((who, report)) = conference.poll_rtcp(now) {
///         let _ = (who, report);
///     }
///     while let Some(event) = conference.poll_event() {
///         let _ = event; // talking, active speaker, the sessions' events
///     }
///     now = conference.poll_timeout().unwrap_or(now + Duration::from_millis(20));
/// }
/// assert_eq!(conference.session(alice).unwrap().stats().packets_sent, 3);
/// assert_eq!(conference.session(bob).unwrap().stats().packets_sent, 3);
/// # Ok::<(), mediacore::Error>(())
/// ```
#[derive(Debug)]
pub struct Conference {
    config: ConferenceConfig,
    mixer: Mixer,
    /// In the mixer's order: `members[i]` is the mixer's participant `i`.
    members: Vec<Member>,
    groups: Vec<Group>,
    next_tick: Option<Instant>,
    /// The last tick's common mix, and the one before it.
    mix: AudioFrame,
    previous_shared: Vec<i16>,
    scratch: Vec<i16>,
    tx: Vec<u8>,
    tx_cursor: usize,
    rtcp_cursor: usize,
    events: VecDeque<ConferenceEvent>,
    recorder: Option<Recorder<RecordTarget>>,
    stats: ConferenceStats,
}

impl Conference {
    /// An empty conference; fails for a configuration out of range.
    pub fn new(config: ConferenceConfig) -> Result<Self> {
        let mixer = Mixer::new(config)?;
        let samples = mixer.frame_samples();
        Ok(Conference {
            mix: AudioFrame::silence(config.sample_rate, 1, config.tick)?,
            previous_shared: vec![0; samples],
            scratch: vec![0; samples],
            mixer,
            members: Vec::new(),
            groups: Vec::new(),
            next_tick: None,
            tx: Vec::new(),
            tx_cursor: 0,
            rtcp_cursor: 0,
            events: VecDeque::with_capacity(EVENT_CAPACITY),
            recorder: None,
            stats: ConferenceStats::default(),
            config,
        })
    }

    /// The configuration mixed with.
    pub fn config(&self) -> &ConferenceConfig {
        &self.config
    }

    /// The mixing core, for what it reports (levels, talking, who is mixed).
    pub fn mixer(&self) -> &Mixer {
        &self.mixer
    }

    /// Adds a participant with a session built from `session` (its codec, rate and packet
    /// time are its own); it hears the conference from the next tick. Fails for a
    /// session that cannot be built, a rate the conference cannot convert, options out of
    /// range or a full conference. Allocates everything the participant needs.
    pub fn add_participant(
        &mut self,
        session: SessionConfig,
        options: ParticipantOptions,
    ) -> Result<ParticipantId> {
        // Checked before the session is built, so a full room costs no allocation;
        // add_session checks again for the sessions it is handed.
        self.mixer.check_new(&options)?;
        self.add_session(MediaSession::new(session)?, options)
            .map_err(|rejected| rejected.error)
    }

    /// Adds a participant with a session that already runs (a call's, with its remote
    /// source, counters, recording and timers), as a media server moves a call into a
    /// room; [`remove_participant`](Self::remove_participant) hands it back. It hears the
    /// conference from the next tick. Fails as [`add_participant`](Self::add_participant)
    /// does, and then hands the session back untouched with the reason.
    pub fn add_session(
        &mut self,
        session: MediaSession,
        options: ParticipantOptions,
    ) -> core::result::Result<ParticipantId, Box<Rejected>> {
        let group = match self.group_for(&session, &options) {
            Ok(g) => g,
            Err(error) => return Err(Box::new(Rejected { error, session })),
        };
        let id = match self.mixer.add(options) {
            Ok(id) => id,
            Err(error) => return Err(Box::new(Rejected { error, session })),
        };
        let member = Member::new(
            session,
            group,
            self.groups[group].max_payload(),
            self.config.tick,
        );
        let need = self.groups[group].max_converted(self.mixer.frame_samples());
        if self.scratch.len() < need {
            self.scratch.resize(need, 0);
        }
        let g = &mut self.groups[group];
        if g.members == 0 {
            g.restart();
        }
        g.members += 1;
        self.members.push(member);
        Ok(id)
    }

    /// Checks that a participant with `session` and `options` can join, and finds (or
    /// makes) the group of its codec, rate and packet time.
    fn group_for(&mut self, session: &MediaSession, options: &ParticipantOptions) -> Result<usize> {
        self.mixer.check_new(options)?;
        let rate = session.sample_rate();
        if !SUPPORTED_RATES.contains(&rate) {
            return Err(Error::InvalidArgument(format!(
                "a participant at {rate} Hz cannot be mixed; expected one of {SUPPORTED_RATES:?} Hz"
            )));
        }
        let key = GroupKey::of(session.config(), rate);
        Ok(match self.groups.iter().position(|g| g.key == key) {
            Some(g) => g,
            None => {
                self.groups.push(Group::new(
                    key,
                    self.config.sample_rate,
                    self.config.tick,
                    self.config.max_talkers + 1,
                )?);
                self.groups.len() - 1
            }
        })
    }

    /// Removes a participant and hands back its session (to close it, read its counters...).
    /// If it was being heard, the audio it has buffered fades out over the next tick.
    pub fn remove_participant(&mut self, now: Instant, id: ParticipantId) -> Result<MediaSession> {
        let i = self.mixer.index_of(id).ok_or_else(|| no_such(id))?;
        if self.mixer.in_mix_at(i) {
            let at = self.next_tick.unwrap_or(now);
            let m = &mut self.members[i];
            m.pull_tick(at);
            let group = &mut self.groups[m.group];
            if let Err(e) = m.convert_to_mix(group, self.mixer.input_at_mut(i), &mut self.scratch) {
                self.fail(Some(id), &e);
            }
        }
        self.mixer.remove(id)?;
        self.drain_speaker_events();
        let m = &mut self.members[i];
        let group = &mut self.groups[m.group];
        group.members -= 1;
        m.release(group);
        m.session.take().ok_or_else(|| no_such(id))
    }

    /// Replaces the participant's options from the next tick; see [`Mixer::set_options`].
    pub fn set_options(&mut self, id: ParticipantId, options: ParticipantOptions) -> Result<()> {
        self.mixer.set_options(id, options)
    }

    /// The participant's options.
    pub fn options(&self, id: ParticipantId) -> Option<&ParticipantOptions> {
        self.mixer.options(id)
    }

    /// Mutes or unmutes: a muted participant is not heard.
    pub fn set_muted(&mut self, id: ParticipantId, muted: bool) -> Result<()> {
        self.mixer.set_muted(id, muted)
    }

    /// Makes the participant hear nothing, or hear again.
    pub fn set_deaf(&mut self, id: ParticipantId, deaf: bool) -> Result<()> {
        self.mixer.set_deaf(id, deaf)
    }

    /// Makes the participant listen only, or a full participant again.
    pub fn set_listen_only(&mut self, id: ParticipantId, listen_only: bool) -> Result<()> {
        self.mixer.set_listen_only(id, listen_only)
    }

    /// Sets the gain of the participant's audio into the mix.
    pub fn set_input_gain_db(&mut self, id: ParticipantId, db: f32) -> Result<()> {
        self.mixer.set_input_gain_db(id, db)
    }

    /// Sets the gain of the mix the participant hears.
    pub fn set_output_gain_db(&mut self, id: ParticipantId, db: f32) -> Result<()> {
        self.mixer.set_output_gain_db(id, db)
    }

    /// Makes the participant heard only by `targets` (none: by everyone again).
    pub fn set_whisper_to(&mut self, id: ParticipantId, targets: &[ParticipantId]) -> Result<()> {
        self.mixer.set_whisper_to(id, targets)
    }

    /// Sets who the participant does not hear.
    pub fn set_exclude(&mut self, id: ParticipantId, excluded: &[ParticipantId]) -> Result<()> {
        self.mixer.set_exclude(id, excluded)
    }

    /// Participants present.
    pub fn len(&self) -> usize {
        self.mixer.len()
    }

    /// Whether nobody is present.
    pub fn is_empty(&self) -> bool {
        self.mixer.is_empty()
    }

    /// The participants present, in the order they joined.
    pub fn participants(&self) -> impl Iterator<Item = ParticipantId> + '_ {
        self.mixer.participants()
    }

    /// The participant's session (counters, quality, jitter statistics).
    pub fn session(&self, id: ParticipantId) -> Option<&MediaSession> {
        let i = self.mixer.index_of(id)?;
        self.members[i].session.as_ref()
    }

    /// The participant's session, for what the conference does not do itself: sending
    /// DTMF, collecting digits, closing with a BYE. The conference sends the participant's
    /// audio; audio given to the session directly (captured frames, prompts) is not sent.
    pub fn session_mut(&mut self, id: ParticipantId) -> Option<&mut MediaSession> {
        let i = self.mixer.index_of(id)?;
        self.members[i].session.as_mut()
    }

    /// The active speaker; see [`Mixer::active_speaker`].
    pub fn active_speaker(&self) -> Option<ParticipantId> {
        self.mixer.active_speaker()
    }

    /// Whether the participant is talking; see [`Mixer::is_talking`].
    pub fn is_talking(&self, id: ParticipantId) -> bool {
        self.mixer.is_talking(id)
    }

    /// The common mix of the last tick at the conference rate: what a participant who is
    /// not mixed hears, and what the recording holds.
    pub fn mix(&self) -> &AudioFrame {
        &self.mix
    }

    /// Counters so far.
    pub fn stats(&self) -> ConferenceStats {
        ConferenceStats {
            events_dropped: self.stats.events_dropped + self.mixer.events_dropped(),
            ..self.stats
        }
    }

    /// Takes a datagram from the participant's network address.
    pub fn handle_rtp(&mut self, now: Instant, id: ParticipantId, datagram: &[u8]) -> Result<()> {
        self.session_mut(id)
            .ok_or_else(|| no_such(id))?
            .handle_rtp(now, datagram)
    }

    /// Takes an RTCP datagram from the participant.
    pub fn handle_rtcp(&mut self, now: Instant, id: ParticipantId, datagram: &[u8]) -> Result<()> {
        self.session_mut(id)
            .ok_or_else(|| no_such(id))?
            .handle_rtcp(now, datagram)
    }

    /// Runs the mix clock up to `now`: every tick due (the first call starts the clock at
    /// `now`; a host more than five ticks late skips the oldest). Early calls do nothing.
    pub fn tick(&mut self, now: Instant) {
        let step = self.config.tick;
        let mut at = *self.next_tick.get_or_insert(now);
        if now < at {
            return;
        }
        let step_us = step.as_micros() as u64;
        let due = now.saturating_duration_since(at).as_micros() as u64 / step_us + 1;
        if due > MAX_CATCH_UP {
            let skip = due - MAX_CATCH_UP;
            at = at + Duration::from_micros(skip * step_us);
            self.stats.ticks_skipped += skip;
        }
        while at <= now {
            self.run_tick(at);
            at = at + step;
        }
        self.next_tick = Some(at);
    }

    /// When the next tick is due; `None` before the first [`tick`](Self::tick). The
    /// sessions' own timers (RTCP, RTP timeout, quality) are served at the ticks.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.next_tick
    }

    /// The next datagram to send and to whom; `None` when every session is drained.
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant) -> Option<(ParticipantId, &[u8])> {
        while self.tx_cursor < self.members.len() {
            let i = self.tx_cursor;
            if let Some(session) = self.members[i].session.as_mut()
                && let Some(datagram) = session.poll_transmit(now)
            {
                self.tx.clear();
                self.tx.extend_from_slice(datagram);
                return Some((self.mixer.id_at(i), &self.tx));
            }
            self.tx_cursor += 1;
        }
        self.tx_cursor = 0;
        None
    }

    /// The next RTCP compound to send and to whom; `None` when none is due.
    #[must_use]
    pub fn poll_rtcp(&mut self, now: Instant) -> Option<(ParticipantId, &[u8])> {
        while self.rtcp_cursor < self.members.len() {
            let i = self.rtcp_cursor;
            if let Some(session) = self.members[i].session.as_mut()
                && let Some(datagram) = session.poll_rtcp(now)
            {
                self.tx.clear();
                self.tx.extend_from_slice(datagram);
                return Some((self.mixer.id_at(i), &self.tx));
            }
            self.rtcp_cursor += 1;
        }
        self.rtcp_cursor = 0;
        None
    }

    /// The next event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<ConferenceEvent> {
        self.events.pop_front()
    }

    /// Starts recording the common mix (a [`RecordLayout::Mono`] recording at any rate the
    /// recorder takes) at `now`. Fails for another layout, a bad configuration, a target
    /// that refuses the headers, or a recording already running.
    pub fn start_recording(
        &mut self,
        now: Instant,
        config: RecordConfig,
        target: RecordTarget,
    ) -> Result<()> {
        if self.recorder.is_some() {
            return Err(Error::InvalidArgument(
                "this conference is already recording; stop that recording first".into(),
            ));
        }
        if config.layout != RecordLayout::Mono {
            return Err(Error::InvalidArgument(format!(
                "a conference records its mix as one leg; layout {} is not mono",
                config.layout.name()
            )));
        }
        self.recorder = Some(Recorder::new(target, config, now)?);
        Ok(())
    }

    /// Whether a recording runs (or stopped at a limit and is not yet collected).
    pub fn is_recording(&self) -> bool {
        self.recorder.is_some()
    }

    /// Pauses the recording.
    pub fn pause_recording(&mut self, now: Instant) -> Result<()> {
        self.recorder.as_mut().ok_or_else(not_recording)?.pause(now);
        Ok(())
    }

    /// Resumes a paused recording.
    pub fn resume_recording(&mut self, now: Instant) -> Result<()> {
        self.recorder
            .as_mut()
            .ok_or_else(not_recording)?
            .resume(now);
        Ok(())
    }

    /// How much the recording holds so far.
    pub fn recording_duration(&self) -> Option<Duration> {
        self.recorder.as_ref().map(Recorder::duration)
    }

    /// Completes the recording and hands back its target and a summary.
    pub fn stop_recording(&mut self, now: Instant) -> Result<(RecordTarget, RecordingSummary)> {
        let recorder = self.recorder.take().ok_or_else(not_recording)?;
        Ok(recorder.finish(now)?)
    }

    /// One tick of media time starting at `at`.
    fn run_tick(&mut self, at: Instant) {
        self.receive(at);
        self.mixer.select();
        self.drain_speaker_events();
        for i in 0..self.members.len() {
            let m = &mut self.members[i];
            if m.session.is_none() {
                // Left: its last audio was given when it left.
                continue;
            }
            let group = &mut self.groups[m.group];
            if self.mixer.wants_input_at(i) {
                let out = self.mixer.input_at_mut(i);
                if let Err(e) = m.convert_to_mix(group, out, &mut self.scratch) {
                    let id = self.mixer.id_at(i);
                    push(&mut self.events, &mut self.stats, failed(Some(id), &e));
                }
            } else {
                m.skip_mix(group);
            }
        }
        self.mixer.mix();
        self.drain_speaker_events();
        for &r in self.mixer.removed() {
            self.members.swap_remove(r);
        }
        self.mix
            .samples_mut()
            .copy_from_slice(self.mixer.shared_mix());
        self.record(at);
        self.send(at);
        self.previous_shared
            .copy_from_slice(self.mixer.shared_mix());
        self.stats.ticks += 1;
    }

    /// Serves each session's timers, takes its events and one tick of its playout.
    fn receive(&mut self, at: Instant) {
        for i in 0..self.members.len() {
            let m = &mut self.members[i];
            let Some(session) = m.session.as_mut() else {
                continue;
            };
            session.handle_timeout(at);
            while let Some(event) = session.poll_event() {
                let participant = self.mixer.id_at(i);
                push(
                    &mut self.events,
                    &mut self.stats,
                    ConferenceEvent::Session { participant, event },
                );
            }
            let samples = m.pull_tick(at);
            self.mixer.measure_at(i, samples);
        }
    }

    /// Gives each participant what it hears: its own frames or the group's common ones.
    fn send(&mut self, at: Instant) {
        for i in 0..self.members.len() {
            let m = &mut self.members[i];
            let group = &mut self.groups[m.group];
            let result = match self.mixer.output_at(i) {
                Hears::Shared => m.hear(group, None, &self.previous_shared, &mut self.scratch),
                Hears::Own(mix) => {
                    m.hear(group, Some(mix), &self.previous_shared, &mut self.scratch)
                }
                Hears::Nothing => {
                    m.hear_nothing(group);
                    Ok(())
                }
            };
            if let Err(e) = result {
                let id = self.mixer.id_at(i);
                push(&mut self.events, &mut self.stats, failed(Some(id), &e));
            }
        }
        for g in &mut self.groups {
            if g.members > 0
                && let Err(e) = g.convert(self.mixer.shared_mix())
            {
                push(&mut self.events, &mut self.stats, failed(None, &e));
            }
        }
        for i in 0..self.members.len() {
            let m = &mut self.members[i];
            match m.prepare(&mut self.groups[m.group]) {
                Ok(n) => self.stats.own_encodes += n,
                Err(e) => {
                    let id = self.mixer.id_at(i);
                    push(&mut self.events, &mut self.stats, failed(Some(id), &e));
                }
            }
        }
        for g in &mut self.groups {
            if g.members == 0 {
                continue;
            }
            match g.assemble() {
                Ok(n) => self.stats.shared_encodes += n,
                Err(e) => push(&mut self.events, &mut self.stats, failed(None, &e)),
            }
        }
        for i in 0..self.members.len() {
            let m = &mut self.members[i];
            match m.deliver(&mut self.groups[m.group], at) {
                Ok(done) => {
                    self.stats.own_encodes += done.own_encodes;
                    self.stats.shared_sends += done.shared_sends;
                }
                Err(e) => {
                    let id = self.mixer.id_at(i);
                    push(&mut self.events, &mut self.stats, failed(Some(id), &e));
                }
            }
        }
        for g in &mut self.groups {
            g.advance();
        }
    }

    /// Gives the common mix to the recording, if one runs.
    fn record(&mut self, at: Instant) {
        let Some(recorder) = self.recorder.as_mut() else {
            return;
        };
        if recorder.is_stopped() {
            return;
        }
        let result = recorder
            .write(at, 0, &self.mix)
            .and_then(|()| recorder.handle_timeout(at));
        if let Err(e) = result {
            push(
                &mut self.events,
                &mut self.stats,
                ConferenceEvent::RecordingFailed {
                    message: e.to_string(),
                },
            );
        }
        while let Some(RecordEvent::LimitReached { limit, summary }) = recorder.poll_event() {
            push(
                &mut self.events,
                &mut self.stats,
                ConferenceEvent::RecordingLimitReached { limit, summary },
            );
        }
    }

    fn drain_speaker_events(&mut self) {
        while let Some(e) = self.mixer.poll_event() {
            push(
                &mut self.events,
                &mut self.stats,
                ConferenceEvent::Speaker(e),
            );
        }
    }

    fn fail(&mut self, participant: Option<ParticipantId>, e: &Error) {
        push(&mut self.events, &mut self.stats, failed(participant, e));
    }
}

fn push(events: &mut VecDeque<ConferenceEvent>, stats: &mut ConferenceStats, e: ConferenceEvent) {
    if events.len() == EVENT_CAPACITY {
        events.pop_front();
        stats.events_dropped += 1;
    }
    events.push_back(e);
}

fn failed(participant: Option<ParticipantId>, e: &Error) -> ConferenceEvent {
    ConferenceEvent::MediaFailed {
        participant,
        message: e.to_string(),
    }
}

fn no_such(id: ParticipantId) -> Error {
    Error::InvalidArgument(format!("no participant {id} in this conference"))
}

fn not_recording() -> Error {
    Error::InvalidArgument("this conference is not recording".into())
}
