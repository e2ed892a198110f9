//! Name confinement, the shared prompt cache and the recordings registry, on temporary folders.

use std::os::unix::fs::symlink;
use std::time::{Duration, UNIX_EPOCH};

use axum::http::StatusCode;

use super::*;

/// A WAV file of `samples` 16-bit mono samples at 8 kHz.
fn wav(samples: &[i16]) -> Vec<u8> {
    let data = (samples.len() * 2) as u32;
    let mut f = b"RIFF".to_vec();
    f.extend_from_slice(&(36 + data).to_le_bytes());
    f.extend_from_slice(b"WAVEfmt \x10\0\0\0\x01\0\x01\0\x40\x1f\0\0\x80\x3e\0\0\x02\0\x10\0data");
    f.extend_from_slice(&data.to_le_bytes());
    for s in samples {
        f.extend_from_slice(&s.to_le_bytes());
    }
    f
}

fn status_and_message(e: ApiError) -> (StatusCode, String) {
    (e.status(), e.to_string())
}

fn assert_rejected(result: Result<PathBuf, ApiError>, status: StatusCode, needle: &str) {
    let (got, message) = status_and_message(result.expect_err("must be rejected"));
    assert_eq!(got, status, "{message}");
    assert!(
        message.contains(needle),
        "{message:?} does not say {needle:?}"
    );
}

#[test]
fn names_must_be_relative_without_parent_components() {
    let dir = tempfile::tempdir().unwrap();
    let folder = Folder::open(&dir.path().join("media"), "media").unwrap();
    assert!(folder.root().is_dir(), "the folder is created");
    assert_rejected(
        folder.resolve_existing(""),
        StatusCode::BAD_REQUEST,
        "empty",
    );
    assert_rejected(
        folder.resolve_existing("/etc/passwd"),
        StatusCode::BAD_REQUEST,
        "absolute path",
    );
    assert_rejected(
        folder.resolve_existing("../etc/passwd"),
        StatusCode::BAD_REQUEST,
        "\"..\"",
    );
    assert_rejected(
        folder.resolve_existing("hold/../../x.wav"),
        StatusCode::BAD_REQUEST,
        "\"..\"",
    );
    assert_rejected(
        folder.resolve_new("/tmp/x.wav"),
        StatusCode::BAD_REQUEST,
        "absolute",
    );
    assert_rejected(
        folder.resolve_new("../x.wav"),
        StatusCode::BAD_REQUEST,
        "\"..\"",
    );
    assert_rejected(
        folder.resolve_existing("missing.wav"),
        StatusCode::NOT_FOUND,
        "missing.wav",
    );
    std::fs::create_dir(folder.root().join("en")).unwrap();
    std::fs::write(folder.root().join("en/hi.wav"), b"x").unwrap();
    assert_eq!(
        folder.resolve_existing("./en//hi.wav").unwrap(),
        folder.root().join("en/hi.wav")
    );
}

#[test]
fn symbolic_links_out_of_the_folder_are_refused_and_links_inside_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let folder = Folder::open(&dir.path().join("media"), "media").unwrap();
    let outside = dir.path().join("secret.wav");
    std::fs::write(&outside, b"secret").unwrap();
    symlink(&outside, folder.root().join("out.wav")).unwrap();
    symlink(dir.path(), folder.root().join("up")).unwrap();
    assert_rejected(
        folder.resolve_existing("out.wav"),
        StatusCode::BAD_REQUEST,
        "outside the media folder",
    );
    assert_rejected(
        folder.resolve_existing("up/secret.wav"),
        StatusCode::BAD_REQUEST,
        "outside",
    );
    // A new file through a linked folder would be written outside.
    assert_rejected(
        folder.resolve_new("up/new.wav"),
        StatusCode::BAD_REQUEST,
        "outside",
    );
    std::fs::write(folder.root().join("real.wav"), b"x").unwrap();
    symlink(
        folder.root().join("real.wav"),
        folder.root().join("alias.wav"),
    )
    .unwrap();
    assert_eq!(
        folder.resolve_existing("alias.wav").unwrap(),
        folder.root().join("real.wav")
    );
}

#[test]
fn new_names_must_be_free_and_their_folder_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let recordings = Recordings::new(Folder::open(dir.path(), "recordings").unwrap());
    let (path, _file) = recordings.create("call-1.wav").unwrap();
    assert_eq!(path, recordings.folder().root().join("call-1.wav"));
    let taken = recordings.create("call-1.wav").unwrap_err();
    assert_eq!(taken.status(), StatusCode::CONFLICT, "{taken}");
    // A dangling link is a taken name too: creating through it would write elsewhere.
    symlink(
        dir.path().join("nowhere"),
        recordings.folder().root().join("l.wav"),
    )
    .unwrap();
    assert_eq!(
        recordings.create("l.wav").unwrap_err().status(),
        StatusCode::CONFLICT
    );
    let no_folder = recordings.create("2024/call.wav").unwrap_err();
    assert_eq!(no_folder.status(), StatusCode::NOT_FOUND, "{no_folder}");
    assert_rejected(
        recordings.folder().resolve_new("."),
        StatusCode::BAD_REQUEST,
        "file name",
    );
}

#[test]
fn recordings_being_written_are_not_listed_or_downloaded() {
    let dir = tempfile::tempdir().unwrap();
    let recordings = Recordings::new(Folder::open(dir.path(), "recordings").unwrap());
    std::fs::create_dir(dir.path().join("day")).unwrap();
    std::fs::write(dir.path().join("day/old.wav"), b"12345").unwrap();
    std::fs::write(dir.path().join(".hidden"), b"").unwrap();
    let (path, _file) = recordings.create("new.wav").unwrap();
    let names: Vec<String> = recordings
        .list()
        .unwrap()
        .into_iter()
        .map(|r| format!("{}:{}", r.name, r.bytes))
        .collect();
    assert_eq!(names, ["day/old.wav:5"]);
    let busy = recordings.download("new.wav").unwrap_err();
    assert_eq!(busy.status(), StatusCode::CONFLICT, "{busy}");
    recordings.finished(&path);
    assert_eq!(recordings.list().unwrap().len(), 2);
    assert_eq!(recordings.download("new.wav").unwrap(), (path.clone(), 0));
    assert_eq!(
        recordings.download("day").unwrap_err().status(),
        StatusCode::NOT_FOUND
    );
    recordings.discard(&path);
    assert!(!path.exists());
}

#[test]
fn prompts_are_decoded_once_and_again_when_the_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let store = PromptStore::new(Folder::open(dir.path(), "media").unwrap(), 1 << 20);
    let file = dir.path().join("beep.wav");
    std::fs::write(&file, wav(&[1000; 800])).unwrap();
    let a = store.load_blocking("beep.wav", 8000).unwrap();
    let b = store.load_blocking("./beep.wav", 8000).unwrap();
    assert!(a.shares_samples_with(&b), "one decoded copy for every call");
    assert_eq!(a.frames(), 800);
    assert_eq!((store.stats().hits, store.stats().entries), (1, 1));

    // A new file of another size is decoded again.
    std::fs::write(&file, wav(&[-500; 1600])).unwrap();
    let c = store.load_blocking("beep.wav", 8000).unwrap();
    assert_eq!((c.frames(), c.samples()[0]), (1600, -500));
    // Same size, new modification time: decoded again too.
    std::fs::write(&file, wav(&[700; 1600])).unwrap();
    let f = File::options().write(true).open(&file).unwrap();
    f.set_modified(UNIX_EPOCH + Duration::from_secs(1_000_000))
        .unwrap();
    assert_eq!(
        store.load_blocking("beep.wav", 8000).unwrap().samples()[0],
        700
    );
}

#[test]
fn prompt_errors_say_what_was_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let store = PromptStore::new(Folder::open(dir.path(), "media").unwrap(), 1 << 20);
    std::fs::write(dir.path().join("photo.wav"), b"\x89PNG\r\n\x1a\nrest").unwrap();
    let bad = store.load_blocking("photo.wav", 8000).unwrap_err();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(
        bad.to_string().contains("photo.wav") && bad.to_string().contains("PNG"),
        "{bad}"
    );
    let missing = store.load_blocking("nope.wav", 8000).unwrap_err();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND, "{missing}");
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    let empty = store.load_blocking("empty", 8000).unwrap_err();
    assert!(empty.to_string().contains("no files"), "{empty}");
}

#[test]
fn a_folder_plays_its_files_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = PromptStore::new(Folder::open(dir.path(), "media").unwrap(), 1 << 20);
    let hold = dir.path().join("hold");
    std::fs::create_dir(&hold).unwrap();
    std::fs::write(hold.join("2-second.wav"), wav(&[2; 80])).unwrap();
    std::fs::write(hold.join("1-first.wav"), wav(&[1; 160])).unwrap();
    let playlist = store.load_blocking("hold", 8000).unwrap();
    assert_eq!(playlist.frames(), 240);
    assert_eq!((playlist.samples()[0], playlist.samples()[239]), (1, 2));
    let again = store.load_blocking("hold/", 8000).unwrap();
    assert!(again.shares_samples_with(&playlist));
    std::fs::write(hold.join("3-third.wav"), wav(&[3; 40])).unwrap();
    assert_eq!(store.load_blocking("hold", 8000).unwrap().frames(), 280);
}

#[test]
fn times_are_rfc3339_utc() {
    assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    let at = |s: u64| rfc3339(UNIX_EPOCH + Duration::from_secs(s));
    assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(at(1_700_000_000), "2023-11-14T22:13:20Z");
    assert_eq!(at(4_102_444_799), "2099-12-31T23:59:59Z");
}
