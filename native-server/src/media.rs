//! The server's files: the media and recordings folders, names confined to them, the prompt
//! cache every call shares, and the recordings being written.
//!
//! A name from a request is a relative path. It is checked twice: by its text (not empty, not
//! absolute, no `..`) and by what it resolves to (the canonical path must stay inside the
//! folder, so a symbolic link pointing out is refused). All file access here is blocking and
//! runs on tokio's blocking threads, never in a shard's tick.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{self, ErrorKind};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use mediacore::playback::{DecodeLimits, Prompt, PromptCache};
use serde::Serialize;

use crate::error::ApiError;

/// How deep `GET /v1/recordings` looks into subfolders.
const MAX_LIST_DEPTH: usize = 8;

/// A folder whose files requests name by relative path.
#[derive(Debug, Clone)]
pub struct Folder {
    /// The canonical path of the folder.
    root: PathBuf,
    /// `media` or `recordings`, for messages.
    what: &'static str,
}

impl Folder {
    /// Creates the folder if it is missing and keeps its canonical path.
    pub fn open(path: &Path, what: &'static str) -> io::Result<Folder> {
        fs::create_dir_all(path)?;
        Ok(Folder {
            root: fs::canonicalize(path)?,
            what,
        })
    }

    /// The canonical path of the folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Checks the text of `name`: a non-empty relative path without `..` components.
    pub fn check_name(&self, name: &str) -> Result<(), ApiError> {
        let what = self.what;
        if name.is_empty() {
            return Err(ApiError::InvalidField(format!(
                "the {what} file name is empty; give a path relative to the {what} folder"
            )));
        }
        if name.contains('\0') {
            return Err(ApiError::InvalidField(format!(
                "{what} file name {name:?} contains a NUL character"
            )));
        }
        for component in Path::new(name).components() {
            match component {
                Component::Prefix(_) | Component::RootDir => {
                    return Err(ApiError::InvalidField(format!(
                        "{what} file name {name:?} is an absolute path; give a path relative \
                         to the {what} folder"
                    )));
                }
                Component::ParentDir => {
                    return Err(ApiError::InvalidField(format!(
                        "{what} file name {name:?} contains a \"..\" component; names must \
                         stay inside the {what} folder"
                    )));
                }
                Component::CurDir | Component::Normal(_) => {}
            }
        }
        Ok(())
    }

    /// The canonical path of an existing file or folder `name` inside this folder.
    pub fn resolve_existing(&self, name: &str) -> Result<PathBuf, ApiError> {
        self.check_name(name)?;
        let what = self.what;
        let path = fs::canonicalize(self.root.join(name)).map_err(|e| match e.kind() {
            ErrorKind::NotFound => {
                ApiError::FileNotFound(format!("no {what} file {name:?} in the {what} folder"))
            }
            _ => ApiError::Io(format!("cannot open {what} file {name:?}: {e}")),
        })?;
        self.confine(name, path)
    }

    /// Where a new file `name` goes: its folder must exist inside this folder and the name
    /// must be free (409 otherwise).
    pub fn resolve_new(&self, name: &str) -> Result<PathBuf, ApiError> {
        self.check_name(name)?;
        let what = self.what;
        let joined = self.root.join(name);
        let file_name = match Path::new(name).components().next_back() {
            Some(Component::Normal(file)) => file.to_owned(),
            _ => {
                return Err(ApiError::InvalidField(format!(
                    "{what} file name {name:?} does not end with a file name"
                )));
            }
        };
        let parent = joined.parent().unwrap_or(&self.root);
        let parent = fs::canonicalize(parent).map_err(|e| match e.kind() {
            ErrorKind::NotFound => ApiError::FileNotFound(format!(
                "the folder of {what} file {name:?} does not exist in the {what} folder"
            )),
            _ => ApiError::Io(format!(
                "cannot open the folder of {what} file {name:?}: {e}"
            )),
        })?;
        let parent = self.confine(name, parent)?;
        let path = parent.join(file_name);
        if fs::symlink_metadata(&path).is_ok() {
            return Err(ApiError::Conflict(format!(
                "{what} file {name:?} already exists; choose another name"
            )));
        }
        Ok(path)
    }

    /// `path` (canonical) if it lies inside the folder.
    fn confine(&self, name: &str, path: PathBuf) -> Result<PathBuf, ApiError> {
        if path.starts_with(&self.root) {
            Ok(path)
        } else {
            let what = self.what;
            Err(ApiError::InvalidField(format!(
                "{what} file name {name:?} resolves outside the {what} folder (a symbolic \
                 link points out of it)"
            )))
        }
    }

    /// `path` (inside the folder) relative to the folder, with `/` separators.
    fn relative(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// What a prompt was decoded from: each file with its size and modification time.
type Stamp = Vec<(PathBuf, u64, Option<SystemTime>)>;

/// Prompts decoded once and shared by every call; an entry is decoded again when its file's
/// size or modification time changes.
#[derive(Debug)]
pub struct PromptStore {
    folder: Folder,
    limits: DecodeLimits,
    cache: Mutex<PromptCache>,
    stamps: Mutex<HashMap<String, Stamp>>,
}

impl PromptStore {
    /// A store over `folder` holding at most `max_bytes` of decoded samples.
    pub fn new(folder: Folder, max_bytes: usize) -> Self {
        PromptStore {
            folder,
            limits: DecodeLimits::default(),
            cache: Mutex::new(PromptCache::new(max_bytes)),
            stamps: Mutex::new(HashMap::new()),
        }
    }

    /// The media folder.
    pub fn folder(&self) -> &Folder {
        &self.folder
    }

    /// The prompt `name` as mono at `sample_rate`: a file, or a folder's files in name order
    /// joined into one prompt. Runs the file work on a blocking thread.
    pub async fn load(self: &Arc<Self>, name: &str, sample_rate: u32) -> Result<Prompt, ApiError> {
        let store = self.clone();
        let name = name.to_owned();
        tokio::task::spawn_blocking(move || store.load_blocking(&name, sample_rate))
            .await
            .map_err(|e| ApiError::Io(format!("prompt loading did not complete: {e}")))?
    }

    /// [`load`](Self::load) on the calling thread.
    pub fn load_blocking(&self, name: &str, sample_rate: u32) -> Result<Prompt, ApiError> {
        let path = self.folder.resolve_existing(name)?;
        let meta = fs::metadata(&path)
            .map_err(|e| ApiError::Io(format!("cannot read media file {name:?}: {e}")))?;
        if !meta.is_dir() {
            return self.file_prompt(name, &path, sample_rate);
        }
        let files = self.folder_files(name, &path)?;
        let key = format!("{}/", self.folder.relative(&path));
        let stamp = files
            .iter()
            .map(|(path, meta)| (path.clone(), meta.len(), meta.modified().ok()))
            .collect();
        if let Some(prompt) = self.cached(&key, &stamp, sample_rate) {
            return Ok(prompt);
        }
        let mut samples = Vec::new();
        for (path, _) in &files {
            let label = format!("{name}/{}", self.folder.relative(path));
            samples.extend_from_slice(self.file_prompt(&label, path, sample_rate)?.samples());
        }
        let prompt = Prompt::from_samples(sample_rate, 1, samples).map_err(|e| {
            ApiError::InvalidField(format!("media folder {name:?} cannot be played: {e}"))
        })?;
        self.keep(&key, stamp, prompt.clone());
        Ok(prompt)
    }

    /// The regular files of a media folder (links must stay inside), in name order.
    fn folder_files(
        &self,
        name: &str,
        dir: &Path,
    ) -> Result<Vec<(PathBuf, fs::Metadata)>, ApiError> {
        let entries = fs::read_dir(dir)
            .map_err(|e| ApiError::Io(format!("cannot list media folder {name:?}: {e}")))?;
        let mut files = Vec::new();
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let Ok(path) = fs::canonicalize(entry.path()) else {
                continue;
            };
            if !path.starts_with(self.folder.root()) {
                return Err(ApiError::InvalidField(format!(
                    "media folder {name:?} holds {:?}, which resolves outside the media folder",
                    entry.file_name()
                )));
            }
            if let Ok(meta) = fs::metadata(&path)
                && meta.is_file()
            {
                files.push((path, meta));
            }
        }
        if files.is_empty() {
            return Err(ApiError::InvalidField(format!(
                "media folder {name:?} holds no files to play"
            )));
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(files)
    }

    fn file_prompt(&self, name: &str, path: &Path, sample_rate: u32) -> Result<Prompt, ApiError> {
        let meta = fs::metadata(path)
            .map_err(|e| ApiError::Io(format!("cannot read media file {name:?}: {e}")))?;
        let key = self.folder.relative(path);
        let stamp = vec![(path.to_owned(), meta.len(), meta.modified().ok())];
        if let Some(prompt) = self.cached(&key, &stamp, sample_rate) {
            return Ok(prompt);
        }
        let bytes = fs::read(path)
            .map_err(|e| ApiError::Io(format!("cannot read media file {name:?}: {e}")))?;
        let hint = path.extension().and_then(|e| e.to_str());
        let prompt = Prompt::decode(&bytes, hint, sample_rate, 1, &self.limits).map_err(|e| {
            ApiError::InvalidField(format!("media file {name:?} cannot be played: {e}"))
        })?;
        self.keep(&key, stamp, prompt.clone());
        Ok(prompt)
    }

    /// The cached prompt for `key` if its files are unchanged; drops it if they changed.
    fn cached(&self, key: &str, stamp: &Stamp, sample_rate: u32) -> Option<Prompt> {
        let mut stamps = lock(&self.stamps);
        let mut cache = lock(&self.cache);
        match stamps.get(key) {
            Some(known) if known == stamp => cache.get(key, sample_rate, 1),
            Some(_) => {
                stamps.remove(key);
                cache.remove(key);
                None
            }
            None => None,
        }
    }

    fn keep(&self, key: &str, stamp: Stamp, prompt: Prompt) {
        let mut stamps = lock(&self.stamps);
        let mut cache = lock(&self.cache);
        // Another request may have decoded a newer version meanwhile; the last one wins,
        // and a later request compares stamps again.
        if cache.insert(key, prompt) {
            stamps.insert(key.to_owned(), stamp);
        }
    }

    /// Entries, bytes, hits and misses of the cache.
    pub fn stats(&self) -> mediacore::playback::CacheStats {
        lock(&self.cache).stats()
    }
}

/// A finished recording, as `GET /v1/recordings` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordingFile {
    /// Its name relative to the recordings folder.
    pub name: String,
    /// Its size.
    pub bytes: u64,
    /// When it was last written (RFC 3339, UTC).
    pub modified: Option<String>,
}

/// The recordings folder and the recordings being written in it.
#[derive(Debug)]
pub struct Recordings {
    folder: Folder,
    active: Mutex<HashSet<PathBuf>>,
}

impl Recordings {
    /// The recordings in `folder`.
    pub fn new(folder: Folder) -> Self {
        Recordings {
            folder,
            active: Mutex::new(HashSet::new()),
        }
    }

    /// The recordings folder.
    pub fn folder(&self) -> &Folder {
        &self.folder
    }

    /// Creates the file of a new recording `name` (409 when the name is taken) and marks it
    /// as being written. Blocking.
    pub fn create(&self, name: &str) -> Result<(PathBuf, File), ApiError> {
        let path = self.folder.resolve_new(name)?;
        let file = File::options()
            .write(true)
            .read(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| match e.kind() {
                ErrorKind::AlreadyExists => ApiError::Conflict(format!(
                    "recordings file {name:?} already exists; choose another name"
                )),
                _ => ApiError::Io(format!("cannot create recording {name:?}: {e}")),
            })?;
        lock(&self.active).insert(path.clone());
        Ok((path, file))
    }

    /// Marks the recording at `path` as finished.
    pub fn finished(&self, path: &Path) {
        lock(&self.active).remove(path);
    }

    /// Drops a recording that never started: forgets it and deletes its file. Blocking.
    pub fn discard(&self, path: &Path) {
        self.finished(path);
        if let Err(e) = fs::remove_file(path) {
            tracing::warn!(path = %path.display(), error = %e, "cannot delete an unused recording file");
        }
    }

    /// `name` relative to the folder, with `/` separators.
    pub fn relative(&self, path: &Path) -> String {
        self.folder.relative(path)
    }

    /// Finished recordings (regular files, not hidden, not being written), by name. Blocking.
    pub fn list(&self) -> Result<Vec<RecordingFile>, ApiError> {
        let active = lock(&self.active).clone();
        let mut out = Vec::new();
        self.walk(self.folder.root(), 0, &active, &mut out)
            .map_err(|e| ApiError::Io(format!("cannot list the recordings folder: {e}")))?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn walk(
        &self,
        dir: &Path,
        depth: usize,
        active: &HashSet<PathBuf>,
        out: &mut Vec<RecordingFile>,
    ) -> io::Result<()> {
        for entry in fs::read_dir(dir)?.flatten() {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            // Links are not followed: what they point to may be outside the folder.
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() && depth < MAX_LIST_DEPTH {
                self.walk(&path, depth + 1, active, out)?;
            } else if kind.is_file() && !active.contains(&path) {
                let Ok(meta) = entry.metadata() else {
                    continue;
                };
                out.push(RecordingFile {
                    name: self.folder.relative(&path),
                    bytes: meta.len(),
                    modified: meta.modified().ok().map(rfc3339),
                });
            }
        }
        Ok(())
    }

    /// The path and size of finished recording `name`, for download. Blocking.
    pub fn download(&self, name: &str) -> Result<(PathBuf, u64), ApiError> {
        let path = self.folder.resolve_existing(name)?;
        let meta = fs::metadata(&path)
            .map_err(|e| ApiError::Io(format!("cannot read recording {name:?}: {e}")))?;
        if !meta.is_file() {
            return Err(ApiError::FileNotFound(format!(
                "recordings file {name:?} is a folder, not a recording"
            )));
        }
        if lock(&self.active).contains(&path) {
            return Err(ApiError::Conflict(format!(
                "recording {name:?} is still being written; stop it first"
            )));
        }
        Ok((path, meta.len()))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section is a lookup or a single change; a panic cannot leave it half done.
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// `t` as RFC 3339 in UTC with whole seconds, e.g. `2024-05-01T12:00:00Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_date(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01, counting in 400-year eras of
/// 146097 days whose years start on 1 March (so the leap day ends the year).
fn civil_date(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // days from 0000-03-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests;
