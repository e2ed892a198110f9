//! Prompts in a [`MediaSession`]: playback and play-and-collect in place of the captured
//! audio.
//!
//! While a prompt plays, its audio is sent instead of what [`MediaSession::push_capture`]
//! gives (the host keeps pushing capture, silence if it has none, to clock the frames). A
//! play-and-collect's prompts come first, then the player's.

use super::{Event, MediaSession};
use crate::error::Result;
use crate::ivr::PlayCollectConfig;
use crate::playback::{PlayOptions, PlaybackId, Prompt};
use crate::time::Instant;

impl MediaSession {
    /// Plays `prompt` to the remote party now, replacing what plays or waits. The prompt
    /// must be mono at the session's [`sample_rate`](Self::sample_rate) (decode it for that
    /// layout). Events come as [`Event::Playback`].
    pub fn play_prompt(&mut self, prompt: Prompt, options: PlayOptions) -> Result<PlaybackId> {
        let id = self.player.play(prompt, options);
        self.drain_prompts();
        id
    }

    /// Plays `prompt` after the prompts already playing or waiting.
    pub fn enqueue_prompt(&mut self, prompt: Prompt, options: PlayOptions) -> Result<PlaybackId> {
        self.player.enqueue(prompt, options)
    }

    /// Stops the prompt that plays and drops the queue; returns whether anything was there.
    pub fn stop_playback(&mut self) -> bool {
        let stopped = self.player.stop();
        self.drain_prompts();
        stopped
    }

    /// Whether a prompt (or a play-and-collect's prompt) is playing or waiting.
    pub fn is_playing(&self) -> bool {
        self.player.is_playing() || self.ivr.is_prompting()
    }

    /// Starts a play-and-collect at `now`; its result comes as [`Event::PlayCollectDone`].
    /// One under way is replaced without a result. While it runs it takes every digit.
    pub fn play_and_collect(&mut self, now: Instant, config: PlayCollectConfig) -> Result<()> {
        self.ivr.start(now, config)
    }

    /// Ends the play-and-collect under way, if any, with reason `cancelled`.
    pub fn cancel_play_and_collect(&mut self, now: Instant) {
        self.ivr.cancel(now);
        self.drain_prompts();
    }

    /// Whether a play-and-collect is under way.
    pub fn is_play_collecting(&self) -> bool {
        self.ivr.is_active()
    }

    /// Puts prompt audio over the frame about to be encoded, if any plays; returns whether
    /// any did.
    pub(super) fn mix_prompts(&mut self, now: Instant) -> bool {
        let written = if self.ivr.is_prompting() {
            self.ivr.fill(now, &mut self.prompt_buf)
        } else if self.player.is_playing() {
            self.player.fill(&mut self.prompt_buf)
        } else {
            return false;
        };
        self.capture_buf[..written].copy_from_slice(&self.prompt_buf[..written]);
        self.drain_prompts();
        written > 0
    }

    pub(super) fn drain_prompts(&mut self) {
        while let Some(event) = self.player.poll_event() {
            self.push_event(Event::Playback(event));
        }
        while let Some(result) = self.ivr.poll_result() {
            self.push_event(Event::PlayCollectDone(result));
        }
    }
}
