//! Buffering the request body (bounded in size and in time) when a token may be in it.
//!
//! The body is read whole before the handler runs, so a body that cannot be read whole is
//! refused here and never reaches the handler cut short:
//!
//! | what happens while buffering | answer |
//! |---|---|
//! | more than the body limit is declared or arrives | 413 `BodyTooLarge` |
//! | the payload fails (connection lost, bad chunked encoding), or ends before its `Content-Length` | 400 `BodyUnreadable` |
//! | the whole body has not arrived within the read deadline | 408 `BodyTimeout` |

use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header::{HeaderMap, CONTENT_LENGTH};
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt as _;

use crate::error::JwtError;
use crate::kind::ErrorKind;

/// The first allocation for a body of unknown length (or a larger declared one): the buffer
/// grows with what actually arrives, so a large `Content-Length` alone reserves little.
const INITIAL_CAPACITY: usize = 8 * 1024;

/// Reads the whole body within `deadline`, refusing more than `limit` bytes (413), a payload
/// that fails or ends before the declared `Content-Length` (400), and a body slower than the
/// deadline (408). On every refusal what was buffered is dropped.
pub(crate) async fn read(
    declared: Option<u64>,
    payload: Payload,
    limit: usize,
    deadline: Duration,
) -> Result<Bytes, JwtError> {
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ErrorKind::BodyTooLarge.into());
    }
    match actix_web::rt::time::timeout(deadline, read_all(declared, payload, limit)).await {
        Ok(result) => result,
        Err(_elapsed) => Err(ErrorKind::BodyTimeout.into()),
    }
}

async fn read_all(
    declared: Option<u64>,
    mut payload: Payload,
    limit: usize,
) -> Result<Bytes, JwtError> {
    let capacity = declared.map_or(INITIAL_CAPACITY, |len| {
        usize::try_from(len).map_or(INITIAL_CAPACITY, |len| len.min(INITIAL_CAPACITY))
    });
    let mut buf = BytesMut::with_capacity(capacity);
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            log::debug!("actix-jwt-ext: the request body could not be read: {e}");
            JwtError::from(ErrorKind::BodyUnreadable)
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(ErrorKind::BodyTooLarge.into());
        }
        buf.extend_from_slice(&chunk);
    }
    if declared.is_some_and(|len| (buf.len() as u64) < len) {
        log::debug!(
            "actix-jwt-ext: the request body ended after {} of {} declared bytes",
            buf.len(),
            declared.unwrap_or_default()
        );
        return Err(ErrorKind::BodyUnreadable.into());
    }
    Ok(buf.freeze())
}

/// The `Content-Length` the client declared.
pub(crate) fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
}

/// Hands the bytes read (or the failure) to the replaying payload.
type Feed = Box<dyn FnOnce(Result<Bytes, PayloadError>)>;

/// The payload error the handler's own extractors see when the body was refused (they do not
/// run in practice: the token extractor fails first, and the handler with it).
fn payload_error(error: &JwtError) -> PayloadError {
    match error.kind() {
        ErrorKind::BodyTooLarge => PayloadError::Overflow,
        ErrorKind::BodyTimeout => PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "request body timed out",
        )),
        _ => PayloadError::Incomplete(None),
    }
}

/// The body taken from an extractor's payload, handed on to the handler's own extractors
/// through a new payload that receives the same bytes once they are read.
pub(crate) struct Tee {
    original: Payload,
    feed: Feed,
    declared: Option<u64>,
}

impl Tee {
    /// Takes `payload`, leaving in its place one that replays what [`Tee::read`] reads.
    pub(crate) fn take(headers: &HeaderMap, payload: &mut Payload) -> Self {
        let original = payload.take();
        let (mut sender, replay) = actix_http::h1::Payload::create(false);
        *payload = Payload::from(replay);
        let feed: Feed = Box::new(move |bytes| match bytes {
            Ok(bytes) => {
                sender.feed_data(bytes);
                sender.feed_eof();
            }
            Err(e) => sender.set_error(e),
        });
        Self {
            original,
            feed,
            declared: declared_length(headers),
        }
    }

    /// Reads the body (bounded, within `deadline`) and feeds it to the replaying payload; a
    /// refused body is a payload error there, never a shorter body.
    pub(crate) async fn read(self, limit: usize, deadline: Duration) -> Result<Bytes, JwtError> {
        let result = read(self.declared, self.original, limit, deadline).await;
        (self.feed)(result.as_ref().cloned().map_err(payload_error));
        result
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    const LONG: Duration = Duration::from_secs(10);

    fn chunks(parts: &[&'static [u8]], end: Option<PayloadError>) -> Payload {
        let (mut sender, payload) = actix_http::h1::Payload::create(false);
        for part in parts {
            sender.feed_data(Bytes::from_static(part));
        }
        match end {
            Some(e) => sender.set_error(e),
            None => sender.feed_eof(),
        }
        Payload::from(payload)
    }

    #[actix_web::test]
    async fn a_whole_body_is_read() {
        let body = read(Some(6), chunks(&[b"abc", b"def"], None), 64, LONG).await;
        assert_eq!(body.ok().as_deref(), Some(&b"abcdef"[..]));
        let body = read(None, chunks(&[b"x"], None), 64, LONG).await;
        assert_eq!(body.ok().as_deref(), Some(&b"x"[..]));
    }

    #[actix_web::test]
    async fn a_payload_error_is_not_the_end_of_the_body() {
        let cut = chunks(&[b"0123456789"], Some(PayloadError::Incomplete(None)));
        let err = read(Some(1000), cut, 64 * 1024, LONG).await.unwrap_err();
        assert!(err.kind() == ErrorKind::BodyUnreadable, "{err:?}");
        assert_eq!(err.status(), 400);
        // Chunked (no Content-Length) bodies that break off too.
        let cut = chunks(&[b"{\"a\":"], Some(PayloadError::EncodingCorrupted));
        let err = read(None, cut, 64 * 1024, LONG).await.unwrap_err();
        assert!(err.kind() == ErrorKind::BodyUnreadable, "{err:?}");
    }

    #[actix_web::test]
    async fn fewer_bytes_than_declared_is_incomplete() {
        let short = chunks(&[b"0123456789"], None);
        let err = read(Some(11), short, 64, LONG).await.unwrap_err();
        assert!(err.kind() == ErrorKind::BodyUnreadable, "{err:?}");
    }

    #[actix_web::test]
    async fn the_limit_still_answers_413() {
        let err = read(Some(65), chunks(&[], None), 64, LONG)
            .await
            .unwrap_err();
        assert!(err.kind() == ErrorKind::BodyTooLarge, "{err:?}");
        let big = chunks(&[&[b'x'; 40], &[b'x'; 40]], None);
        let err = read(None, big, 64, LONG).await.unwrap_err();
        assert!(err.kind() == ErrorKind::BodyTooLarge, "{err:?}");
    }

    #[actix_web::test]
    async fn a_body_slower_than_the_deadline_times_out() {
        // Bytes arrive, but the end never does.
        let (mut sender, payload) = actix_http::h1::Payload::create(false);
        sender.feed_data(Bytes::from_static(b"{\"access_token\":"));
        let started = Instant::now();
        let err = read(
            Some(100),
            Payload::from(payload),
            1024,
            Duration::from_millis(100),
        )
        .await
        .unwrap_err();
        assert!(err.kind() == ErrorKind::BodyTimeout, "{err:?}");
        assert_eq!(err.status(), 408);
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(100) && took < Duration::from_secs(5),
            "{took:?}"
        );
        drop(sender);
    }

    #[actix_web::test]
    async fn the_tee_replays_a_refused_body_as_an_error() {
        let (mut sender, original) = actix_http::h1::Payload::create(false);
        sender.feed_data(Bytes::from_static(b"0123456789"));
        sender.set_error(PayloadError::Incomplete(None));
        let headers = {
            let mut h = HeaderMap::new();
            h.insert(
                CONTENT_LENGTH,
                actix_web::http::header::HeaderValue::from_static("1000"),
            );
            h
        };
        let mut payload = Payload::from(original);
        let tee = Tee::take(&headers, &mut payload);
        let err = tee.read(1024, LONG).await.unwrap_err();
        assert!(err.kind() == ErrorKind::BodyUnreadable, "{err:?}");
        match payload.next().await {
            Some(Err(PayloadError::Incomplete(_))) => {}
            other => panic!("the handler's payload replays {other:?}"),
        }

        let (mut sender, original) = actix_http::h1::Payload::create(false);
        sender.feed_data(Bytes::from_static(b"{}"));
        sender.feed_eof();
        let mut payload = Payload::from(original);
        let tee = Tee::take(&HeaderMap::new(), &mut payload);
        assert_eq!(tee.read(1024, LONG).await.ok().as_deref(), Some(&b"{}"[..]));
        match payload.next().await {
            Some(Ok(bytes)) => assert_eq!(&bytes[..], b"{}"),
            other => panic!("the handler's payload replays {other:?}"),
        }
    }
}
