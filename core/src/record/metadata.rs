//! The recording's metadata as bytes: a RIFF `LIST`/`INFO` chunk for WAV and an `OpusTags`
//! header for Ogg Opus, from the same list of `key=value` facts.
//!
//! The facts, in order: `start_time`, `call_id` (if any), `leg0`, `leg1` (if labelled), then
//! the extra pairs as given. WAV keeps them as lines of its `ICMT` (comment) item and also
//! sets `INAM` (title), `ICRD` (creation date) and `ISFT` (software); Ogg Opus makes each a
//! Vorbis comment with an upper-case name, plus `TITLE`, `DATE` and `ENCODER`.

use super::config::invalid;
use super::{RecordError, RecordLayout, RecordingMetadata};

/// The software name stored in the files.
pub(crate) const SOFTWARE: &str = "mediacore";

/// The most bytes of metadata text accepted, so that headers stay small.
pub(crate) const MAX_METADATA_BYTES: usize = 32 * 1024;

/// Checks the metadata's text and size, and that it labels no more legs than `layout` has.
pub(crate) fn check(meta: &RecordingMetadata, layout: RecordLayout) -> Result<(), RecordError> {
    if meta.legs.len() > layout.legs() {
        return Err(invalid(
            "metadata.legs",
            format!(
                "{} leg labels were given but a {} recording has {} leg(s)",
                meta.legs.len(),
                layout.name(),
                layout.legs()
            ),
        ));
    }
    check_value("metadata.start_time", &meta.start_time)?;
    if let Some(id) = &meta.call_id {
        check_value("metadata.call_id", id)?;
    }
    for label in &meta.legs {
        check_value("metadata.legs", label)?;
    }
    for (key, value) in &meta.extra {
        let bad_key =
            key.is_empty() || !key.bytes().all(|b| (0x20..=0x7D).contains(&b) && b != b'=');
        if bad_key {
            return Err(invalid(
                "metadata.extra",
                format!(
                    "key {key:?} is not allowed; keys are non-empty printable ASCII \
                     (space to '}}') without '='"
                ),
            ));
        }
        check_value("metadata.extra", value)?;
    }
    let total: usize = facts(meta).iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    if total > MAX_METADATA_BYTES {
        return Err(invalid(
            "metadata",
            format!("{total} bytes of metadata is too much; at most {MAX_METADATA_BYTES}"),
        ));
    }
    Ok(())
}

fn check_value(field: &'static str, value: &str) -> Result<(), RecordError> {
    if let Some(c) = value.chars().find(|c| matches!(c, '\0' | '\r' | '\n')) {
        return Err(invalid(
            field,
            format!("{value:?} contains {c:?}; NUL, CR and LF are not allowed"),
        ));
    }
    Ok(())
}

/// The facts as `(key, value)` pairs, lower-case keys.
fn facts(meta: &RecordingMetadata) -> Vec<(String, &str)> {
    let mut out = vec![("start_time".to_owned(), meta.start_time.as_str())];
    if let Some(id) = &meta.call_id {
        out.push(("call_id".to_owned(), id));
    }
    for (i, label) in meta.legs.iter().enumerate() {
        out.push((format!("leg{i}"), label));
    }
    for (key, value) in &meta.extra {
        out.push((key.clone(), value));
    }
    out
}

fn title(meta: &RecordingMetadata) -> String {
    match &meta.call_id {
        Some(id) => format!("Call {id}"),
        None => "Call recording".to_owned(),
    }
}

/// The `LIST`/`INFO` chunk, header included; its length is even (RIFF pads every chunk to
/// an even size).
pub(crate) fn riff_info_chunk(meta: &RecordingMetadata) -> Vec<u8> {
    let comment: Vec<String> = facts(meta)
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let mut items = Vec::new();
    info_item(&mut items, b"INAM", &title(meta));
    if !meta.start_time.is_empty() {
        info_item(&mut items, b"ICRD", &meta.start_time);
    }
    info_item(&mut items, b"ISFT", SOFTWARE);
    info_item(&mut items, b"ICMT", &comment.join("\n"));
    let mut chunk = b"LIST".to_vec();
    chunk.extend_from_slice(&((items.len() + 4) as u32).to_le_bytes());
    chunk.extend_from_slice(b"INFO");
    chunk.extend_from_slice(&items);
    chunk
}

/// One `INFO` item: id, size, NUL-terminated text, a pad byte to an even length.
fn info_item(out: &mut Vec<u8>, id: &[u8; 4], text: &str) {
    let size = text.len() + 1;
    out.extend_from_slice(id);
    out.extend_from_slice(&(size as u32).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
    out.push(0);
    if size % 2 == 1 {
        out.push(0);
    }
}

/// The `OpusTags` header packet (RFC 7845 §5.2) carrying the facts as Vorbis comments.
pub(crate) fn opus_tags(meta: &RecordingMetadata) -> Vec<u8> {
    let mut comments = vec![format!("TITLE={}", title(meta))];
    if !meta.start_time.is_empty() {
        comments.push(format!("DATE={}", meta.start_time));
    }
    comments.push(format!("ENCODER={SOFTWARE}"));
    for (key, value) in facts(meta) {
        comments.push(format!("{}={value}", key.to_ascii_uppercase()));
    }
    let mut tags = b"OpusTags".to_vec();
    tags.extend_from_slice(&(SOFTWARE.len() as u32).to_le_bytes());
    tags.extend_from_slice(SOFTWARE.as_bytes());
    tags.extend_from_slice(&(comments.len() as u32).to_le_bytes());
    for comment in comments {
        tags.extend_from_slice(&(comment.len() as u32).to_le_bytes());
        tags.extend_from_slice(comment.as_bytes());
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> RecordingMetadata {
        RecordingMetadata {
            start_time: "2026-11-21T10:00:00Z".into(),
            call_id: Some("abc@host".into()),
            legs: vec!["sip:alice@a".into(), "sip:bob@b".into()],
            extra: vec![("queue".into(), "sales".into())],
        }
    }

    #[test]
    fn info_chunk_is_even_and_holds_every_fact() {
        let chunk = riff_info_chunk(&meta());
        assert_eq!(chunk.len() % 2, 0);
        let size = u32::from_le_bytes(chunk[4..8].try_into().unwrap()) as usize;
        assert_eq!(size + 8, chunk.len());
        let text = String::from_utf8_lossy(&chunk);
        for fact in [
            "start_time=2026-11-21T10:00:00Z",
            "call_id=abc@host",
            "leg0=sip:alice@a",
            "leg1=sip:bob@b",
            "queue=sales",
            "Call abc@host",
        ] {
            assert!(text.contains(fact), "{fact} missing from {text:?}");
        }
    }

    #[test]
    fn opus_tags_count_their_comments() {
        let tags = opus_tags(&meta());
        let vendor = u32::from_le_bytes(tags[8..12].try_into().unwrap()) as usize;
        let at = 12 + vendor;
        let count = u32::from_le_bytes(tags[at..at + 4].try_into().unwrap());
        assert_eq!(count, 3 + 5);
        assert!(String::from_utf8_lossy(&tags).contains("CALL_ID=abc@host"));
    }

    #[test]
    fn bad_text_and_keys_are_refused_with_the_field_named() {
        let mut m = meta();
        m.call_id = Some("a\nb".into());
        let e = check(&m, RecordLayout::Stereo).unwrap_err();
        assert!(e.to_string().contains("metadata.call_id"), "{e}");
        let mut m = meta();
        m.extra = vec![("a=b".into(), "c".into())];
        assert!(check(&m, RecordLayout::Stereo).is_err());
        let m = meta();
        let e = check(&m, RecordLayout::Mono).unwrap_err();
        assert!(e.to_string().contains("2 leg labels"), "{e}");
        let mut m = meta();
        m.extra = vec![("k".into(), "x".repeat(MAX_METADATA_BYTES))];
        assert!(check(&m, RecordLayout::Stereo).is_err());
    }
}
