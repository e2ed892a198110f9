//! [`Mixer`]: one tick of mono audio per participant at the conference rate in, what each
//! participant hears out, in O(N) for N participants.
//!
//! Per tick: talk detection on each participant's level; the loudest talkers (at most
//! `max_talkers`, not muted, not listen-only, not whispering) are summed, each times its
//! input gain, into one 32-bit total; a whisperer's audio is kept apart for its targets.
//! The common mix is the total through a soft limiter. A participant who is mixed hears the
//! total minus its own contribution; one with exclusions, whispers to it or an output gain
//! hears the total adjusted for those; everyone else hears the common mix, computed once.
//! Whoever starts or stops being mixed fades in or out over the tick, and so does a
//! listener who starts or stops hearing.

use std::collections::{BTreeMap, VecDeque};

use super::config::{ConferenceConfig, ParticipantId, ParticipantOptions};
use super::limiter::{Limiter, LimiterParams};
use super::slot::{Fade, Gate, Heard, Slot, gains};
use super::speaker::{Change, SpeakerEvent, Talk, TalkParams, dbov_of_power, mean_square};
use crate::error::{Error, FrameError, Result};

/// Speaker events kept before the oldest are dropped.
const EVENT_CAPACITY: usize = 256;

/// What a participant hears from the last [`Mixer::mix`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hears<'a> {
    /// Nothing (deaf): silence.
    Nothing,
    /// The common mix, [`Mixer::shared_mix`], the same as every other participant hearing it.
    Shared,
    /// A mix of its own: without itself or those it excludes, with whispers to it, at its
    /// output gain, or fading in or out.
    Own(&'a [i16]),
}

/// The mixing core of a conference: frames at the conference rate in, each participant's
/// mix out. Sans-IO and allocation-free per tick; [`Conference`](super::Conference) drives
/// it with real sessions.
///
/// A tick: give each participant's audio ([`set_input`](Self::set_input), or
/// [`measure`](Self::measure) then, for those [`select`](Self::select) picks,
/// [`input_mut`](Self::input_mut)), call [`mix`](Self::mix), read each [`output`](Self::output).
///
/// ```
/// use mediacore::mixer::{ConferenceConfig, Hears, Mixer, ParticipantOptions};
///
/// let mut mixer = Mixer::new(ConferenceConfig::new(16_000))?;
/// let alice = mixer.add(ParticipantOptions::default())?;
/// let bob = mixer.add(ParticipantOptions::default())?;
/// let carol = mixer.add(ParticipantOptions::default())?;
/// let voice: Vec<i16> = (0..320).map(|i| ((i as f32 * 0.2).sin() * 8000.0) as i16).collect();
/// for _ in 0..5 {
///     mixer.set_input(alice, &voice)?; // Bob and Carol are silent
///     mixer.mix();
/// }
/// assert_eq!(mixer.output(bob), Some(Hears::Shared)); // the common mix: Alice
/// assert_eq!(mixer.shared_mix(), &voice[..]);
/// assert_eq!(mixer.output(alice), Some(Hears::Own(&[0; 320][..]))); // not herself
/// # Ok::<(), mediacore::Error>(())
/// ```
#[derive(Debug)]
pub struct Mixer {
    config: ConferenceConfig,
    talk: TalkParams,
    limiter: LimiterParams,
    ids: BTreeMap<ParticipantId, usize>,
    slots: Vec<Slot>,
    next_id: u32,
    total: Vec<i32>,
    scratch: Vec<i32>,
    shared: Vec<i16>,
    shared_limiter: Limiter,
    candidates: Vec<usize>,
    mixed: Vec<usize>,
    whispering: Vec<usize>,
    removed: Vec<usize>,
    events: VecDeque<SpeakerEvent>,
    events_dropped: u64,
    active: Option<ParticipantId>,
    active_held: u32,
    selected: bool,
    ticks: u64,
}

impl Mixer {
    /// A mixer with no participants; fails for a configuration out of range.
    pub fn new(config: ConferenceConfig) -> Result<Self> {
        config.validate()?;
        let samples = config.tick_samples();
        Ok(Mixer {
            talk: TalkParams::new(&config),
            limiter: LimiterParams::new(config.sample_rate),
            ids: BTreeMap::new(),
            slots: Vec::new(),
            next_id: 1,
            total: vec![0; samples],
            scratch: vec![0; samples],
            shared: vec![0; samples],
            shared_limiter: Limiter::default(),
            candidates: Vec::new(),
            mixed: Vec::new(),
            whispering: Vec::new(),
            removed: Vec::new(),
            events: VecDeque::with_capacity(EVENT_CAPACITY),
            events_dropped: 0,
            active: None,
            active_held: 0,
            selected: false,
            ticks: 0,
            config,
        })
    }

    /// The configuration mixed with.
    pub fn config(&self) -> &ConferenceConfig {
        &self.config
    }

    /// Samples of one tick at the mix rate: the length of every input and output.
    pub fn frame_samples(&self) -> usize {
        self.total.len()
    }

    /// Participants present (not counting those leaving at the next mix).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether nobody is present.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The participants present, in the order they joined.
    pub fn participants(&self) -> impl Iterator<Item = ParticipantId> + '_ {
        self.ids.keys().copied()
    }

    /// Whether `id` is present.
    pub fn contains(&self, id: ParticipantId) -> bool {
        self.ids.contains_key(&id)
    }

    /// Ticks mixed so far.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    /// Adds a participant, silent and hearing the conference from the next mix;
    /// fails for options out of range or a full conference. Allocates its buffers.
    pub fn add(&mut self, options: ParticipantOptions) -> Result<ParticipantId> {
        self.check_new(&options)?;
        let id = ParticipantId::new(self.next_id);
        self.next_id += 1;
        let samples = self.frame_samples();
        let (input_gain, output_gain) = gains(&options);
        self.slots.push(Slot {
            id,
            options,
            input_gain,
            output_gain,
            power: 0.0,
            level: 0.0,
            smoothed: 0.0,
            talk: Talk::Silent,
            input: vec![0; samples],
            has_input: false,
            contrib: vec![0; samples],
            main: Gate::default(),
            whisper: Gate::default(),
            chosen: false,
            whispered: false,
            hears: Heard::New,
            out: vec![0; samples],
            limiter: Limiter::default(),
            departing: false,
        });
        self.ids.insert(id, self.slots.len() - 1);
        let room = self.ids.len().min(self.config.max_talkers * 4);
        self.candidates.reserve(room);
        self.mixed.reserve(room);
        self.whispering.reserve(room);
        Ok(id)
    }

    /// Removes a participant. Its audio given for the next mix (if it was being mixed)
    /// fades out in that mix; it hears nothing more, and its id is unknown from now on.
    pub fn remove(&mut self, id: ParticipantId) -> Result<()> {
        let i = self.index(id)?;
        self.ids.remove(&id);
        let slot = &mut self.slots[i];
        slot.departing = true;
        if slot.talk.is_talking() {
            self.push_event(SpeakerEvent::TalkStopped { participant: id });
        }
        self.slots[i].talk = Talk::Silent;
        Ok(())
    }

    /// The participant's options.
    pub fn options(&self, id: ParticipantId) -> Option<&ParticipantOptions> {
        self.ids.get(&id).map(|&i| &self.slots[i].options)
    }

    /// Replaces the participant's options, from the next mix (changes in who is heard fade
    /// over a tick). Fails, changing nothing, for gains out of range, or lists naming the
    /// participant itself or someone absent.
    pub fn set_options(&mut self, id: ParticipantId, options: ParticipantOptions) -> Result<()> {
        let i = self.index(id)?;
        self.check_options(id, &options, Some(&self.slots[i].options))?;
        let (input_gain, output_gain) = gains(&options);
        let slot = &mut self.slots[i];
        slot.input_gain = input_gain;
        slot.output_gain = output_gain;
        slot.options = options;
        Ok(())
    }

    /// Mutes or unmutes: a muted participant is not heard.
    pub fn set_muted(&mut self, id: ParticipantId, muted: bool) -> Result<()> {
        self.update(id, |o| o.muted = muted)
    }

    /// Makes the participant hear nothing, or hear again.
    pub fn set_deaf(&mut self, id: ParticipantId, deaf: bool) -> Result<()> {
        self.update(id, |o| o.deaf = deaf)
    }

    /// Makes the participant listen only (never heard, never talking), or a full participant.
    pub fn set_listen_only(&mut self, id: ParticipantId, listen_only: bool) -> Result<()> {
        self.update(id, |o| o.listen_only = listen_only)
    }

    /// Sets the gain of the participant's audio into the mix.
    pub fn set_input_gain_db(&mut self, id: ParticipantId, db: f32) -> Result<()> {
        self.update(id, |o| o.input_gain_db = db)
    }

    /// Sets the gain of the mix the participant hears.
    pub fn set_output_gain_db(&mut self, id: ParticipantId, db: f32) -> Result<()> {
        self.update(id, |o| o.output_gain_db = db)
    }

    /// Makes the participant heard only by `targets` (none: by everyone again).
    pub fn set_whisper_to(&mut self, id: ParticipantId, targets: &[ParticipantId]) -> Result<()> {
        self.update(id, |o| o.whisper_to = targets.to_vec())
    }

    /// Sets who the participant does not hear.
    pub fn set_exclude(&mut self, id: ParticipantId, excluded: &[ParticipantId]) -> Result<()> {
        self.update(id, |o| o.exclude = excluded.to_vec())
    }

    fn update(
        &mut self,
        id: ParticipantId,
        change: impl FnOnce(&mut ParticipantOptions),
    ) -> Result<()> {
        let i = self.index(id)?;
        let mut options = self.slots[i].options.clone();
        change(&mut options);
        self.set_options(id, options)
    }

    /// Checks `options` for participant `id`; names in its lists must be present, unless
    /// they were already in the same list of `before` (those who left stay listed: a
    /// whisper to someone who left is heard by nobody rather than by everyone).
    /// Whether a participant with `options` could be added now: room left, options in range.
    pub(crate) fn check_new(&self, options: &ParticipantOptions) -> Result<()> {
        if self.ids.len() >= self.config.max_participants {
            return Err(Error::InvalidArgument(format!(
                "the conference is full ({} participants); max_participants is {}",
                self.ids.len(),
                self.config.max_participants
            )));
        }
        self.check_options(ParticipantId::new(self.next_id), options, None)
    }

    fn check_options(
        &self,
        id: ParticipantId,
        options: &ParticipantOptions,
        before: Option<&ParticipantOptions>,
    ) -> Result<()> {
        options.validate()?;
        for (name, list, old) in [
            (
                "whisper_to",
                &options.whisper_to,
                before.map(|b| &b.whisper_to[..]),
            ),
            ("exclude", &options.exclude, before.map(|b| &b.exclude[..])),
        ] {
            for other in list {
                if *other == id {
                    return Err(Error::InvalidArgument(format!(
                        "{name} of participant {id} names itself"
                    )));
                }
                if !self.ids.contains_key(other) && !old.is_some_and(|o| o.contains(other)) {
                    return Err(Error::InvalidArgument(format!(
                        "{name} of participant {id} names participant {other}, who is not in \
                         the conference"
                    )));
                }
            }
        }
        Ok(())
    }

    fn index(&self, id: ParticipantId) -> Result<usize> {
        self.ids.get(&id).copied().ok_or_else(|| no_such(id))
    }

    /// The index of a present participant, for the conference that keeps its own state in
    /// the same order.
    pub(crate) fn index_of(&self, id: ParticipantId) -> Option<usize> {
        self.ids.get(&id).copied()
    }

    /// The id at `index`.
    pub(crate) fn id_at(&self, index: usize) -> ParticipantId {
        self.slots[index].id
    }

    /// Gives the participant's audio for the next mix: exactly
    /// [`frame_samples`](Self::frame_samples) samples at the mix rate. Its level counts for
    /// talk detection (unless it listens only).
    pub fn set_input(&mut self, id: ParticipantId, samples: &[i16]) -> Result<()> {
        let i = self.index(id)?;
        if samples.len() != self.frame_samples() {
            return Err(FrameError::PartialCodecUnit {
                codec: "the conference mix",
                len: samples.len(),
                unit: self.frame_samples(),
            }
            .into());
        }
        let slot = &mut self.slots[i];
        slot.input.copy_from_slice(samples);
        slot.has_input = true;
        slot.power = mean_square(samples);
        Ok(())
    }

    /// Takes the level of the participant's audio for the next mix from `samples` (one
    /// tick at any rate), without the audio itself: for hosts that convert only the audio
    /// of those [`select`](Self::select) picks and then fill [`input_mut`](Self::input_mut).
    pub fn measure(&mut self, id: ParticipantId, samples: &[i16]) -> Result<()> {
        let i = self.index(id)?;
        self.measure_at(i, samples);
        Ok(())
    }

    pub(crate) fn measure_at(&mut self, index: usize, samples: &[i16]) {
        self.slots[index].power = mean_square(samples);
    }

    /// The participant's audio buffer for the next mix, to fill at the mix rate (it then
    /// counts as given). A participant given nothing is mixed as silence.
    pub fn input_mut(&mut self, id: ParticipantId) -> Option<&mut [i16]> {
        let i = self.ids.get(&id).copied()?;
        Some(self.input_at_mut(i))
    }

    pub(crate) fn input_at_mut(&mut self, index: usize) -> &mut [i16] {
        let slot = &mut self.slots[index];
        slot.has_input = true;
        &mut slot.input
    }

    /// Decides, from the levels given since the last mix, who talks and who is mixed in the
    /// next mix, and reports talk and active-speaker changes. [`mix`](Self::mix) calls it
    /// when it was not called; calling it twice before a mix changes nothing.
    pub fn select(&mut self) {
        if self.selected {
            return;
        }
        self.selected = true;
        self.candidates.clear();
        let mut best: Option<(usize, f32)> = None;
        for i in 0..self.slots.len() {
            let slot = &mut self.slots[i];
            if slot.departing {
                continue;
            }
            let power = if slot.options.listen_only {
                0.0
            } else {
                slot.power
            };
            slot.smoothed += (power - slot.smoothed) * self.talk.smoothing;
            let change = slot.talk.step(power, &self.talk);
            let (id, smoothed) = (slot.id, slot.smoothed);
            if slot.wants_main() {
                self.candidates.push(i);
            }
            if slot.may_be_active() && best.is_none_or(|(_, level)| smoothed > level) {
                best = Some((i, smoothed));
            }
            match change {
                Some(Change::Started) => {
                    self.push_event(SpeakerEvent::TalkStarted { participant: id });
                }
                Some(Change::Stopped) => {
                    self.push_event(SpeakerEvent::TalkStopped { participant: id });
                }
                None => {}
            }
        }
        self.cap_talkers();
        self.mixed.clear();
        self.whispering.clear();
        for (i, slot) in self.slots.iter_mut().enumerate() {
            slot.main.pick(slot.chosen);
            slot.chosen = false;
            let whisper = slot.wants_whisper();
            slot.whisper.pick(whisper);
            if slot.main.active {
                self.mixed.push(i);
            }
            if slot.whisper.active {
                self.whispering.push(i);
            }
        }
        self.update_active(best.map(|(i, _)| i));
    }

    /// Marks the loudest `max_talkers` candidates as chosen, those mixed already counting
    /// `switch_margin_db` louder.
    fn cap_talkers(&mut self) {
        let k = self.config.max_talkers;
        let slots = &self.slots;
        let margin = self.talk.margin;
        if self.candidates.len() > k {
            let score = |i: usize| {
                let s = &slots[i];
                if s.main.on {
                    s.smoothed * margin
                } else {
                    s.smoothed
                }
            };
            self.candidates.select_nth_unstable_by(k - 1, |&a, &b| {
                score(b)
                    .total_cmp(&score(a))
                    .then(slots[a].id.cmp(&slots[b].id))
            });
            self.candidates.truncate(k);
        }
        for &i in &self.candidates {
            self.slots[i].chosen = true;
        }
    }

    fn update_active(&mut self, best: Option<usize>) {
        self.active_held = self.active_held.saturating_add(1);
        let current = self.active.and_then(|id| self.ids.get(&id).copied());
        let switch_to = match (self.active, current, best) {
            // The active speaker left.
            (Some(_), None, best) => Some(best),
            (None, _, Some(b)) => Some(Some(b)),
            (Some(_), Some(c), Some(b)) if b != c => {
                let (cur, new) = (&self.slots[c], &self.slots[b]);
                let louder = new.smoothed > cur.smoothed * self.talk.margin
                    && self.active_held >= self.talk.hold;
                (!cur.may_be_active() || louder).then_some(Some(b))
            }
            _ => None,
        };
        if let Some(next) = switch_to {
            let participant = next.map(|i| self.slots[i].id);
            self.active = participant;
            self.active_held = 0;
            self.push_event(SpeakerEvent::ActiveSpeaker { participant });
        }
    }

    /// Whether the participant's audio, given now, goes into the next mix (it is a talker,
    /// fading in or out, or whispering); valid after [`select`](Self::select).
    pub fn wants_input(&self, id: ParticipantId) -> bool {
        self.ids.get(&id).is_some_and(|&i| self.wants_input_at(i))
    }

    pub(crate) fn wants_input_at(&self, index: usize) -> bool {
        let s = &self.slots[index];
        s.main.active || s.whisper.active
    }

    /// Whether the participant was in the common mix at the end of the last mix (its
    /// audio for the next one will be used at least to fade it out).
    pub fn in_mix(&self, id: ParticipantId) -> bool {
        self.ids.get(&id).is_some_and(|&i| self.in_mix_at(i))
    }

    pub(crate) fn in_mix_at(&self, index: usize) -> bool {
        let s = &self.slots[index];
        s.main.on || s.whisper.on
    }

    /// Mixes one tick: everyone's contributions, the common mix, and each participant's
    /// own mix where it differs; then forgets the inputs and drops those who left.
    pub fn mix(&mut self) {
        self.removed.clear();
        self.select();
        self.total.fill(0);
        for &i in &self.mixed {
            let slot = &mut self.slots[i];
            slot.contribute(false);
            for (t, &c) in self.total.iter_mut().zip(&slot.contrib) {
                *t += c;
            }
        }
        for &i in &self.whispering {
            let slot = &mut self.slots[i];
            slot.contribute(true);
            for t in 0..slot.options.whisper_to.len() {
                let target = self.slots[i].options.whisper_to[t];
                if let Some(&j) = self.ids.get(&target) {
                    self.slots[j].whispered = true;
                }
            }
        }
        let shared_before = self.shared_limiter;
        self.shared_limiter
            .process(self.limiter, &self.total, 1.0, &mut self.shared);
        for i in 0..self.slots.len() {
            self.listen(i, shared_before);
        }
        self.finish_tick();
    }

    /// Decides what participant `i` hears and computes its own mix when it needs one.
    fn listen(&mut self, i: usize, shared_before: Limiter) {
        let slot = &self.slots[i];
        if slot.departing {
            return;
        }
        let silent_before = matches!(slot.hears, Heard::Nothing | Heard::FadeOut);
        let fade = match (slot.options.deaf, slot.hears) {
            (true, Heard::New | Heard::Nothing | Heard::FadeOut) => {
                self.slots[i].hears = Heard::Nothing;
                return;
            }
            (true, _) => Fade::Out,
            (false, _) if silent_before => Fade::In,
            (false, _) => Fade::Full,
        };
        let excluded_mixed = slot
            .options
            .exclude
            .iter()
            .any(|id| self.ids.get(id).is_some_and(|&j| self.slots[j].main.active));
        let own = fade != Fade::Full
            || slot.main.active
            || slot.whispered
            || excluded_mixed
            || slot.output_gain != 1.0;
        if !own {
            self.slots[i].hears = Heard::Shared;
            return;
        }
        self.scratch.copy_from_slice(&self.total);
        if slot.main.active {
            sub(&mut self.scratch, &slot.contrib);
        }
        for id in &slot.options.exclude {
            if let Some(&j) = self.ids.get(id)
                && self.slots[j].main.active
            {
                sub(&mut self.scratch, &self.slots[j].contrib);
            }
        }
        if slot.whispered {
            for &w in &self.whispering {
                let whisperer = &self.slots[w];
                if whisperer.options.whisper_to.contains(&slot.id)
                    && !slot.options.exclude.contains(&whisperer.id)
                {
                    for (t, &c) in self.scratch.iter_mut().zip(&whisperer.contrib) {
                        *t += c;
                    }
                }
            }
        }
        let slot = &mut self.slots[i];
        if slot.hears != Heard::Own {
            // Carry on from the gain the common mix was limited with.
            slot.limiter = shared_before;
        }
        slot.limiter
            .process(self.limiter, &self.scratch, slot.output_gain, &mut slot.out);
        let len = slot.out.len() as i32;
        match fade {
            Fade::In => {
                for (n, s) in slot.out.iter_mut().enumerate() {
                    *s = (i32::from(*s) * (n as i32 + 1) / len) as i16;
                }
            }
            Fade::Out => {
                for (n, s) in slot.out.iter_mut().enumerate() {
                    *s = (i32::from(*s) * (len - 1 - n as i32) / len) as i16;
                }
            }
            Fade::Full => {}
        }
        slot.hears = if fade == Fade::Out {
            Heard::FadeOut
        } else {
            Heard::Own
        };
    }

    /// Forgets this tick's inputs and drops the participants who left, recording where.
    fn finish_tick(&mut self) {
        for slot in &mut self.slots {
            slot.has_input = false;
            slot.level = slot.power;
            slot.power = 0.0;
            slot.whispered = false;
        }
        let mut i = self.slots.len();
        while i > 0 {
            i -= 1;
            if self.slots[i].departing {
                self.slots.swap_remove(i);
                self.removed.push(i);
                if let Some(moved) = self.slots.get(i) {
                    self.ids.insert(moved.id, i);
                }
            }
        }
        self.selected = false;
        self.ticks += 1;
    }

    /// The slots the last mix dropped, each removed with `swap_remove` in this order.
    pub(crate) fn removed(&self) -> &[usize] {
        &self.removed
    }

    /// What the participant hears from the last mix; `None` for an unknown id.
    pub fn output(&self, id: ParticipantId) -> Option<Hears<'_>> {
        self.ids.get(&id).map(|&i| self.output_at(i))
    }

    pub(crate) fn output_at(&self, index: usize) -> Hears<'_> {
        let slot = &self.slots[index];
        match slot.hears {
            Heard::New | Heard::Nothing => Hears::Nothing,
            Heard::Shared => Hears::Shared,
            Heard::Own | Heard::FadeOut => Hears::Own(&slot.out),
        }
    }

    /// The common mix of the last tick: everyone mixed, limited; what a participant who is
    /// not mixed (and has no exclusions, whispers or output gain) hears, and what a
    /// recording of the conference holds.
    pub fn shared_mix(&self) -> &[i16] {
        &self.shared
    }

    /// Whether the participant is talking (reported and not yet stopped).
    pub fn is_talking(&self, id: ParticipantId) -> bool {
        self.ids
            .get(&id)
            .is_some_and(|&i| self.slots[i].talk.is_talking())
    }

    /// The level of the participant's audio in the last mix, in dBov (-inf for silence).
    pub fn level_dbov(&self, id: ParticipantId) -> Option<f32> {
        self.ids
            .get(&id)
            .map(|&i| dbov_of_power(self.slots[i].level))
    }

    /// The active speaker: the loudest talker, kept with hysteresis.
    pub fn active_speaker(&self) -> Option<ParticipantId> {
        self.active
    }

    /// The next speaker event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<SpeakerEvent> {
        self.events.pop_front()
    }

    /// Events dropped because they were not drained in time.
    pub fn events_dropped(&self) -> u64 {
        self.events_dropped
    }

    fn push_event(&mut self, event: SpeakerEvent) {
        if self.events.len() == EVENT_CAPACITY {
            self.events.pop_front();
            self.events_dropped += 1;
        }
        self.events.push_back(event);
    }
}

fn sub(acc: &mut [i32], c: &[i32]) {
    for (t, &c) in acc.iter_mut().zip(c) {
        *t -= c;
    }
}

fn no_such(id: ParticipantId) -> Error {
    Error::InvalidArgument(format!("no participant {id} in this conference"))
}
