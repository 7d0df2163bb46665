//! Buffering the request body (bounded) when a token may be in it.

use actix_web::dev::Payload;
use actix_web::http::header::{HeaderMap, CONTENT_LENGTH};
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt as _;

use crate::error::JwtError;
use crate::kind::ErrorKind;

/// Reads the whole body, refusing more than `limit` bytes (413). A body that breaks off
/// reads as what arrived.
pub(crate) async fn read(
    declared: Option<u64>,
    mut payload: Payload,
    limit: usize,
) -> Result<Bytes, JwtError> {
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ErrorKind::BodyTooLarge.into());
    }
    let mut buf = BytesMut::with_capacity(declared.map_or(1024, |len| len as usize));
    while let Some(chunk) = payload.next().await {
        let Ok(chunk) = chunk else { break };
        if buf.len() + chunk.len() > limit {
            return Err(ErrorKind::BodyTooLarge.into());
        }
        buf.extend_from_slice(&chunk);
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

/// Hands the bytes read (or a failure) to the replaying payload.
type Feed = Box<dyn FnOnce(Option<Bytes>)>;

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
            Some(bytes) => {
                sender.feed_data(bytes);
                sender.feed_eof();
            }
            None => sender.set_error(actix_web::error::PayloadError::Overflow),
        });
        Self {
            original,
            feed,
            declared: declared_length(headers),
        }
    }

    /// Reads the body (bounded) and feeds it to the replaying payload.
    pub(crate) async fn read(self, limit: usize) -> Result<Bytes, JwtError> {
        let result = read(self.declared, self.original, limit).await;
        (self.feed)(result.as_ref().ok().cloned());
        result
    }
}
