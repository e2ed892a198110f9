//! [`PromptCache`]: decoded prompts kept by name and call layout within a memory budget, so
//! that every call playing a prompt shares one copy of its samples.
//!
//! - An entry is a name (a file name, a URL) at one rate and channel count: one file played
//!   to 8 kHz and to 48 kHz calls is two entries.
//! - Past the budget, the least recently used entries go. A prompt that calls still play stays
//!   alive in their clones after its entry goes; the cache only stops handing it out.
//! - No locks and no I/O: the caller supplies the bytes on a miss, and a server shares one
//!   cache behind a mutex (or decodes outside the lock with [`PromptCache::get`], then
//!   [`PromptCache::insert`]).

use std::collections::{BTreeMap, HashMap};

use super::{DecodeLimits, PlaybackError, Prompt};

/// Counters of a [`PromptCache`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Prompts held.
    pub entries: usize,
    /// Bytes of samples held.
    pub bytes: usize,
    /// Lookups that found their prompt.
    pub hits: u64,
    /// Lookups that did not.
    pub misses: u64,
    /// Entries dropped to stay within the budget.
    pub evictions: u64,
}

/// Decoded prompts shared by name and layout, least recently used dropped past a budget.
///
/// ```
/// use mediacore::playback::{DecodeLimits, PromptCache};
///
/// let mut cache = PromptCache::new(64 << 20);
/// // A WAV file of `seconds` of 8 kHz mono silence.
/// let wav = |seconds: u32| {
///     let data = 16_000 * seconds;
///     let mut f = b"RIFF".to_vec();
///     f.extend_from_slice(&(36 + data).to_le_bytes());
///     f.extend_from_slice(b"WAVEfmt \x10\0\0\0\x01\0\x01\0\x40\x1f\0\0\x80\x3e\0\0\x02\0\x10\0data");
///     f.extend_from_slice(&data.to_le_bytes());
///     f.resize(f.len() + data as usize, 0);
///     f
/// };
/// let limits = DecodeLimits::default();
/// let a = cache.get_or_decode("welcome.wav", 8000, 1, &limits, || Ok(wav(1)))?;
/// let b = cache.get_or_decode("welcome.wav", 8000, 1, &limits, || unreachable!())?;
/// assert!(a.shares_samples_with(&b));
/// assert_eq!((cache.stats().hits, cache.stats().misses), (1, 1));
/// # Ok::<(), mediacore::playback::PlaybackError>(())
/// ```
#[derive(Debug, Clone)]
pub struct PromptCache {
    max_bytes: usize,
    /// By name, one entry per layout.
    entries: HashMap<String, Vec<Entry>>,
    /// Last use (a counter) to entry, oldest first.
    order: BTreeMap<u64, Layout>,
    clock: u64,
    stats: CacheStats,
}

#[derive(Debug, Clone)]
struct Entry {
    sample_rate: u32,
    channels: u16,
    prompt: Prompt,
    used: u64,
}

/// An entry's name and layout.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    key: String,
    sample_rate: u32,
    channels: u16,
}

impl PromptCache {
    /// An empty cache that holds at most `max_bytes` of samples.
    pub fn new(max_bytes: usize) -> Self {
        PromptCache {
            max_bytes,
            entries: HashMap::new(),
            order: BTreeMap::new(),
            clock: 0,
            stats: CacheStats::default(),
        }
    }

    /// The budget, in bytes of samples.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// The prompt named `key` at `sample_rate` and `channels`, decoded from `bytes()` on a
    /// miss (with the extension of `key`, if any, as the format hint) and kept.
    ///
    /// Errors from `bytes` or from decoding are returned and nothing is kept; the next call
    /// tries again. A prompt larger than the whole budget is returned but not kept.
    pub fn get_or_decode(
        &mut self,
        key: &str,
        sample_rate: u32,
        channels: u16,
        limits: &DecodeLimits,
        bytes: impl FnOnce() -> Result<Vec<u8>, PlaybackError>,
    ) -> Result<Prompt, PlaybackError> {
        if let Some(prompt) = self.get(key, sample_rate, channels) {
            return Ok(prompt);
        }
        let data = bytes()?;
        let prompt = Prompt::decode(&data, extension(key), sample_rate, channels, limits)?;
        self.insert(key, prompt.clone());
        Ok(prompt)
    }

    /// The prompt named `key` at `sample_rate` and `channels`, if held (a hit or a miss).
    pub fn get(&mut self, key: &str, sample_rate: u32, channels: u16) -> Option<Prompt> {
        let now = self.tick();
        let entry = self.entries.get_mut(key).and_then(|list| {
            list.iter_mut()
                .find(|e| e.sample_rate == sample_rate && e.channels == channels)
        });
        let Some(entry) = entry else {
            self.stats.misses += 1;
            return None;
        };
        self.stats.hits += 1;
        let layout = self.order.remove(&entry.used);
        entry.used = now;
        if let Some(layout) = layout {
            self.order.insert(now, layout);
        }
        Some(entry.prompt.clone())
    }

    /// Keeps `prompt` under `key` for its rate and channels, replacing what was there, and
    /// drops least recently used entries past the budget. Returns whether it was kept: a
    /// prompt larger than the whole budget is not (and the entry it would replace goes).
    pub fn insert(&mut self, key: &str, prompt: Prompt) -> bool {
        let (sample_rate, channels) = (prompt.sample_rate(), prompt.channels());
        self.remove_layout(key, sample_rate, channels);
        let bytes = prompt.memory_bytes();
        if bytes > self.max_bytes {
            return false;
        }
        let now = self.tick();
        self.entries.entry(key.to_owned()).or_default().push(Entry {
            sample_rate,
            channels,
            prompt,
            used: now,
        });
        self.order.insert(
            now,
            Layout {
                key: key.to_owned(),
                sample_rate,
                channels,
            },
        );
        self.stats.entries += 1;
        self.stats.bytes += bytes;
        // The new entry is the most recent and fits alone, so it is never the one dropped.
        while self.stats.bytes > self.max_bytes {
            let Some((_, oldest)) = self.order.pop_first() else {
                break;
            };
            self.remove_layout(&oldest.key, oldest.sample_rate, oldest.channels);
            self.stats.evictions += 1;
        }
        true
    }

    /// Drops every layout of the prompt named `key`; returns how many there were.
    pub fn remove(&mut self, key: &str) -> usize {
        let Some(list) = self.entries.remove(key) else {
            return 0;
        };
        for entry in &list {
            self.order.remove(&entry.used);
            self.forget(&entry.prompt);
        }
        list.len()
    }

    /// Drops every entry (the counters of hits, misses and evictions stay).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
        self.stats.entries = 0;
        self.stats.bytes = 0;
    }

    /// What the cache holds and how it has been used.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// Drops the entry for `key` at one layout, if there is one.
    fn remove_layout(&mut self, key: &str, sample_rate: u32, channels: u16) {
        let Some(list) = self.entries.get_mut(key) else {
            return;
        };
        let Some(i) = list
            .iter()
            .position(|e| e.sample_rate == sample_rate && e.channels == channels)
        else {
            return;
        };
        let entry = list.swap_remove(i);
        if list.is_empty() {
            self.entries.remove(key);
        }
        self.order.remove(&entry.used);
        self.forget(&entry.prompt);
    }

    fn forget(&mut self, prompt: &Prompt) {
        self.stats.entries -= 1;
        self.stats.bytes -= prompt.memory_bytes();
    }

    /// The next use time.
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }
}

/// The extension of the last path segment of `key`, as a format hint.
fn extension(key: &str) -> Option<&str> {
    let name = key.rsplit(['/', '\\']).next().unwrap_or(key);
    name.rsplit_once('.')
        .map(|(_, ext)| ext)
        .filter(|e| !e.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(frames: usize, rate: u32, fill: i16) -> Prompt {
        Prompt::from_samples(rate, 1, vec![fill; frames]).unwrap()
    }

    #[test]
    fn hits_share_samples_and_layouts_are_separate_entries() {
        let mut cache = PromptCache::new(1 << 20);
        assert!(cache.insert("a.wav", prompt(100, 8000, 1)));
        assert!(cache.insert("a.wav", prompt(600, 48_000, 1)));
        let x = cache.get("a.wav", 8000, 1).unwrap();
        let y = cache.get("a.wav", 8000, 1).unwrap();
        assert!(x.shares_samples_with(&y));
        assert_eq!(cache.get("a.wav", 48_000, 1).unwrap().frames(), 600);
        assert!(cache.get("a.wav", 16_000, 1).is_none());
        assert!(cache.get("b.wav", 8000, 1).is_none());
        assert_eq!(
            cache.stats(),
            CacheStats {
                entries: 2,
                bytes: 1400,
                hits: 3,
                misses: 2,
                evictions: 0
            }
        );
        assert_eq!(cache.remove("a.wav"), 2);
        assert_eq!(cache.remove("a.wav"), 0);
        assert_eq!((cache.stats().entries, cache.stats().bytes), (0, 0));
    }

    #[test]
    fn least_recently_used_go_first_and_prompts_in_use_stay_alive() {
        // Room for three 1000-byte prompts.
        let mut cache = PromptCache::new(3000);
        for (i, key) in ["a", "b", "c"].iter().enumerate() {
            assert!(cache.insert(key, prompt(500, 8000, i as i16)));
        }
        let playing_b = cache.get("b", 8000, 1).unwrap();
        // "a" is the least recently used now; "d" pushes it out, then "e" pushes out "c".
        cache.insert("d", prompt(500, 8000, 3));
        assert!(cache.get("a", 8000, 1).is_none());
        cache.insert("e", prompt(500, 8000, 4));
        assert!(cache.get("c", 8000, 1).is_none());
        assert!(cache.get("d", 8000, 1).is_some() && cache.get("e", 8000, 1).is_some());
        assert_eq!(cache.stats().evictions, 2);
        assert_eq!(cache.stats().bytes, 3000);
        // A prompt in use outlives its entry.
        cache.clear();
        assert_eq!(playing_b.samples()[0], 1);
        assert_eq!(cache.stats().entries, 0);
    }

    #[test]
    fn replacing_an_entry_and_oversized_prompts() {
        let mut cache = PromptCache::new(1000);
        assert!(cache.insert("a", prompt(400, 8000, 1)));
        assert!(cache.insert("a", prompt(300, 8000, 2)));
        assert_eq!(cache.stats().bytes, 600);
        assert_eq!(cache.get("a", 8000, 1).unwrap().samples()[0], 2);
        // Too large for the whole budget: not kept, and the old entry goes.
        assert!(!cache.insert("a", prompt(501, 8000, 3)));
        assert_eq!(cache.stats().entries, 0);
        assert_eq!(cache.stats().evictions, 0);
    }

    #[test]
    fn get_or_decode_decodes_once_and_reports_errors_without_keeping_them() {
        let mut cache = PromptCache::new(1 << 20);
        let limits = DecodeLimits::default();
        let err = cache.get_or_decode("x.png", 8000, 1, &limits, || Ok(b"\x89PNG\r\n".to_vec()));
        assert!(matches!(
            err,
            Err(PlaybackError::UnsupportedFormat {
                detected: Some("PNG image"),
                ..
            })
        ));
        let unreadable = PlaybackError::Unreadable {
            key: "y.wav".into(),
            reason: "no such file".into(),
        };
        assert_eq!(
            cache.get_or_decode("y.wav", 8000, 1, &limits, || Err(unreadable.clone())),
            Err(unreadable)
        );
        assert_eq!(cache.stats().entries, 0);
        assert_eq!(cache.stats().misses, 2);
    }

    #[test]
    fn the_extension_of_the_key_is_the_hint() {
        assert_eq!(extension("prompts/en/welcome.MP3"), Some("MP3"));
        assert_eq!(extension("C:\\prompts\\a.b\\hello"), None);
        assert_eq!(extension("https://host/x.ogg"), Some("ogg"));
        assert_eq!(extension("noext"), None);
        assert_eq!(extension("trailing."), None);
    }
}
