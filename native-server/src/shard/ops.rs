//! Media operations on a session inside its shard (prompts, music on hold, digits, DTMF,
//! recording) and the session's events turned into [`ServerEvent`]s.
//!
//! Everything slow happens before an operation reaches the shard: prompts arrive decoded and
//! a recording's file arrives created. Here the session only changes state; the recorder's
//! small buffered writes and its checkpoints are the only file work in the tick.

use std::io::Write;
use std::path::PathBuf;

use mediacore::dtmf::{CollectConfig, DigitSource};
use mediacore::ivr::PlayCollectConfig;
use mediacore::playback::{InterruptReason, PlayOptions, PlaybackEvent, PlaybackId, Prompt};
use mediacore::record::{RecordConfig, RecordFormat, RecordLimit, RecordingSummary};
use mediacore::{Event, Instant, RecordTarget};
use serde::Serialize;
use tracing::{debug, info, warn};

use super::{QualitySnapshot, ShardSession};
use crate::error::ApiError;
use crate::events::ServerEvent;

/// One media operation for an endpoint's session.
pub enum MediaOp {
    /// Play a prompt now (replacing what plays) or after the queue.
    Play {
        /// The decoded prompt, mono at the session's rate.
        prompt: Prompt,
        /// Loop, gain, barge-in.
        options: PlayOptions,
        /// Append to the queue instead of replacing.
        queue: bool,
    },
    /// Stop what plays and drop the queue (music on hold too).
    StopPlayback,
    /// Play a prompt in a loop, not interruptible by digits, until `MohStop`.
    MohStart {
        /// The decoded prompt (a folder's files joined).
        prompt: Prompt,
        /// Volume change in dB.
        gain_db: f32,
    },
    /// Stop the music on hold.
    MohStop,
    /// Collect digits.
    Collect(CollectConfig),
    /// Cancel a digit collection and a play-and-collect.
    StopCollect,
    /// Play prompts and collect an entry.
    PlayAndCollect(PlayCollectConfig),
    /// Send digits as RFC 4733 telephone-events.
    SendDtmf(String),
    /// Start recording into a created file.
    RecordStart(Box<RecordingStart>),
    /// Pause the recording.
    RecordPause,
    /// Resume the recording.
    RecordResume,
    /// Complete the recording.
    RecordStop,
}

impl core::fmt::Debug for MediaOp {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let name = match self {
            MediaOp::Play { .. } => "Play",
            MediaOp::StopPlayback => "StopPlayback",
            MediaOp::MohStart { .. } => "MohStart",
            MediaOp::MohStop => "MohStop",
            MediaOp::Collect(_) => "Collect",
            MediaOp::StopCollect => "StopCollect",
            MediaOp::PlayAndCollect(_) => "PlayAndCollect",
            MediaOp::SendDtmf(_) => "SendDtmf",
            MediaOp::RecordStart(_) => "RecordStart",
            MediaOp::RecordPause => "RecordPause",
            MediaOp::RecordResume => "RecordResume",
            MediaOp::RecordStop => "RecordStop",
        };
        f.write_str(name)
    }
}

/// A recording about to start: its name, file and configuration.
pub struct RecordingStart {
    /// The name relative to the recordings folder.
    pub name: String,
    /// The file's path.
    pub path: PathBuf,
    /// How to record.
    pub config: RecordConfig,
    /// The created file (buffered).
    pub target: RecordTarget,
}

/// What an operation answers.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaReply {
    /// The id of the playback started or queued.
    Playback(PlaybackId),
    /// Whether something was there to stop.
    Stopped(bool),
    /// The operation started.
    Started,
    /// The completed recording.
    Recording(RecordingDone),
}

/// A completed recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordingDone {
    /// The name relative to the recordings folder.
    pub name: String,
    /// The file's path on the server.
    pub path: String,
    /// Audio recorded, in ms.
    pub duration_ms: u64,
    /// Size of the file.
    pub bytes: u64,
    /// The recording's rate.
    pub sample_rate: u32,
    /// Its channels.
    pub channels: u16,
    /// `wav` or `ogg-opus`.
    pub format: &'static str,
}

/// A recording under way in a session.
#[derive(Debug)]
pub(super) struct ActiveRecording {
    pub(super) name: String,
    pub(super) path: PathBuf,
    pub(super) paused: bool,
}

/// What `GET /v1/endpoints/{id}` says about a recording under way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordingStatus {
    /// The name relative to the recordings folder.
    pub name: String,
    /// Whether it is paused.
    pub paused: bool,
    /// Audio recorded so far, in ms.
    pub duration_ms: u64,
}

fn not_recording() -> ApiError {
    ApiError::Conflict("the endpoint is not recording; start a recording first".into())
}

impl ShardSession {
    /// Applies `op` at `now`.
    pub(super) fn apply(&mut self, now: Instant, op: MediaOp) -> Result<MediaReply, ApiError> {
        debug!(endpoint = %self.id, op = ?op, "media operation");
        let reply = match op {
            MediaOp::Play {
                prompt,
                options,
                queue,
            } => {
                let id = if queue {
                    self.session.enqueue_prompt(prompt, options)?
                } else {
                    self.session.play_prompt(prompt, options)?
                };
                MediaReply::Playback(id)
            }
            MediaOp::StopPlayback => MediaReply::Stopped(self.session.stop_playback()),
            MediaOp::MohStart { prompt, gain_db } => {
                let options = PlayOptions {
                    looping: true,
                    interruptible: false,
                    gain_db,
                    ..PlayOptions::default()
                };
                let id = self.session.play_prompt(prompt, options)?;
                self.moh = Some(id);
                MediaReply::Playback(id)
            }
            MediaOp::MohStop => {
                if self.moh.take().is_none() {
                    return Err(ApiError::Conflict(
                        "no music on hold plays on this endpoint".into(),
                    ));
                }
                MediaReply::Stopped(self.session.stop_playback())
            }
            MediaOp::Collect(config) => {
                self.session.collect_digits(now, config)?;
                MediaReply::Started
            }
            MediaOp::StopCollect => {
                let active = self.session.is_play_collecting();
                self.session.cancel_play_and_collect(now);
                self.session.cancel_digit_collection(now);
                MediaReply::Stopped(active)
            }
            MediaOp::PlayAndCollect(config) => {
                self.session.play_and_collect(now, config)?;
                MediaReply::Started
            }
            MediaOp::SendDtmf(digits) => {
                self.session.send_dtmf(&digits)?;
                MediaReply::Started
            }
            MediaOp::RecordStart(start) => {
                if let Some(r) = &self.recording {
                    return Err(ApiError::Conflict(format!(
                        "the endpoint is already recording {:?}; stop that recording first",
                        r.name
                    )));
                }
                let RecordingStart {
                    name,
                    path,
                    config,
                    target,
                } = *start;
                self.session.start_recording(now, config, target)?;
                info!(endpoint = %self.id, recording = %name, "recording started");
                self.recording = Some(ActiveRecording {
                    name,
                    path,
                    paused: false,
                });
                MediaReply::Started
            }
            MediaOp::RecordPause | MediaOp::RecordResume => {
                let pause = matches!(op, MediaOp::RecordPause);
                let recording = self.recording.as_mut().ok_or_else(not_recording)?;
                if pause {
                    self.session.pause_recording(now)?;
                } else {
                    self.session.resume_recording(now)?;
                }
                recording.paused = pause;
                MediaReply::Started
            }
            MediaOp::RecordStop => {
                if self.recording.is_none() {
                    return Err(not_recording());
                }
                let done = self.finish_recording(now, "stopped").ok_or_else(|| {
                    ApiError::Io(
                        "the recording could not be completed; see the recording_failed event"
                            .into(),
                    )
                })?;
                MediaReply::Recording(done)
            }
        };
        self.drain_events(now);
        Ok(reply)
    }

    /// The recording under way, for snapshots.
    pub(super) fn recording_status(&self) -> Option<RecordingStatus> {
        self.recording.as_ref().map(|r| RecordingStatus {
            name: r.name.clone(),
            paused: r.paused,
            duration_ms: self
                .session
                .recording_duration()
                .map_or(0, |d| d.as_millis() as u64),
        })
    }

    /// Completes the recording under way, publishes `recording_done` (or
    /// `recording_failed`) and marks its file finished.
    pub(super) fn finish_recording(
        &mut self,
        now: Instant,
        reason: &'static str,
    ) -> Option<RecordingDone> {
        let recording = self.recording.take()?;
        let result = flushed(self.session.stop_recording(now));
        self.recordings.finished(&recording.path);
        match result {
            Ok(summary) => {
                let done = recording_done(&recording, &summary);
                info!(endpoint = %self.id, recording = %done.name, duration_ms = done.duration_ms, bytes = done.bytes, reason, "recording completed");
                self.bus.publish(ServerEvent::RecordingDone {
                    endpoint: self.id.clone(),
                    reason,
                    recording: done.clone(),
                });
                Some(done)
            }
            Err(e) => {
                warn!(endpoint = %self.id, recording = %recording.name, error = %e, "recording could not be completed");
                self.bus.publish(ServerEvent::RecordingFailed {
                    endpoint: self.id.clone(),
                    name: recording.name,
                    message: e.to_string(),
                });
                None
            }
        }
    }

    /// Ends the session's work for good: completes its recording and says it closed.
    pub(super) fn close(&mut self, now: Instant, reason: &'static str) {
        self.drain_events(now);
        let recording_reason = if reason == "deleted" {
            "endpoint_deleted"
        } else {
            reason
        };
        self.finish_recording(now, recording_reason);
        // RFC 3550 §6.3.7: say goodbye with an RTCP BYE.
        self.session.close(now);
        self.send_rtcp(now);
        self.bus.publish(ServerEvent::EndpointClosed {
            endpoint: self.id.clone(),
            reason,
        });
    }

    /// Turns one session event into server events (and acts on recording events).
    pub(super) fn on_event(&mut self, now: Instant, event: Event) {
        let endpoint = self.id.clone();
        let published = match event {
            Event::Dtmf {
                digit,
                duration_ms,
                source,
            } => {
                if source == DigitSource::Rfc4733
                    && let Some(leg) = self.bridge.as_mut()
                {
                    leg.forward_digit(digit.as_char());
                }
                ServerEvent::Dtmf {
                    endpoint,
                    digit: digit.to_string(),
                    duration_ms,
                    source: source.name(),
                }
            }
            Event::DigitsCollected(c) => ServerEvent::DigitsCollected {
                endpoint,
                digits: c.digits.to_string(),
                reason: c.reason.name(),
                terminator: c.terminator.map(|d| d.to_string()),
                valid: c.is_valid(),
            },
            Event::Playback(p) => {
                if matches!(
                    p,
                    PlaybackEvent::Finished { .. } | PlaybackEvent::Interrupted { .. }
                ) && self.moh == Some(p.id())
                {
                    self.moh = None;
                }
                playback_event(endpoint, p)
            }
            Event::PlayCollectDone(r) => ServerEvent::PlayCollectDone {
                endpoint,
                reason: r.reason.name(),
                success: r.reason.is_success(),
                digits: r.digits.to_string(),
                terminator: r.terminator.map(|d| d.to_string()),
                attempts: r.attempts,
            },
            Event::RecordingLimitReached { limit, .. } => {
                let reason = match limit {
                    RecordLimit::Duration => "max_duration",
                    _ => "max_bytes",
                };
                self.finish_recording(now, reason);
                return;
            }
            Event::RecordingFailed { message } => {
                let Some(recording) = self.recording.take() else {
                    return;
                };
                warn!(endpoint = %self.id, recording = %recording.name, %message, "recording failed");
                // Release the recorder; the file keeps what its last checkpoint wrote.
                let _ = self.session.stop_recording(now);
                self.recordings.finished(&recording.path);
                ServerEvent::RecordingFailed {
                    endpoint,
                    name: recording.name,
                    message,
                }
            }
            Event::RtpTimeout { silent_for } => {
                warn!(endpoint = %self.id, silent_ms = silent_for.as_millis() as u64, "no RTP received");
                ServerEvent::RtpTimeout {
                    endpoint,
                    silent_ms: silent_for.as_millis() as u64,
                }
            }
            Event::RtpResumed => ServerEvent::RtpResumed { endpoint },
            Event::RemoteBye { ssrc, reason } => {
                info!(endpoint = %self.id, ssrc, reason = ?reason, "the remote sent an RTCP BYE");
                ServerEvent::RemoteBye {
                    endpoint,
                    ssrc,
                    reason,
                }
            }
            Event::Quality(q) => ServerEvent::Quality {
                endpoint,
                quality: QualitySnapshot::from(q),
            },
            other => {
                info!(endpoint = %self.id, event = other.name(), details = ?other, "session event");
                return;
            }
        };
        self.bus.publish(published);
    }
}

fn playback_event(endpoint: String, event: PlaybackEvent) -> ServerEvent {
    match event {
        PlaybackEvent::Started { id } => ServerEvent::PlaybackStarted {
            endpoint,
            playback_id: id,
        },
        PlaybackEvent::Finished { id } => ServerEvent::PlaybackFinished {
            endpoint,
            playback_id: id,
        },
        PlaybackEvent::Interrupted {
            id,
            reason,
            started,
        } => ServerEvent::PlaybackInterrupted {
            endpoint,
            playback_id: id,
            reason: reason.name(),
            digit: match reason {
                InterruptReason::Dtmf(d) => Some(d.to_string()),
                _ => None,
            },
            started,
        },
    }
}

pub(super) fn recording_done(
    recording: &ActiveRecording,
    summary: &RecordingSummary,
) -> RecordingDone {
    RecordingDone {
        name: recording.name.clone(),
        path: recording.path.to_string_lossy().into_owned(),
        duration_ms: summary.duration.as_millis() as u64,
        bytes: summary.bytes,
        sample_rate: summary.sample_rate,
        channels: summary.channels,
        format: match summary.format {
            RecordFormat::Wav => "wav",
            _ => "ogg-opus",
        },
    }
}

/// What a stopped recording hands back, with its file flushed: the summary, or why the file
/// could not be completed.
pub(super) fn flushed(
    stopped: mediacore::Result<(RecordTarget, mediacore::record::RecordingSummary)>,
) -> mediacore::Result<mediacore::record::RecordingSummary> {
    let (target, summary) = stopped?;
    if let RecordTarget::Stream(mut stream) = target {
        stream.flush().map_err(|e| {
            mediacore::Error::InvalidArgument(format!("cannot flush the file: {e}"))
        })?;
    }
    Ok(summary)
}
