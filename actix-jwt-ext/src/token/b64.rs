//! base64url as JWTs use it: no padding on output; on input, optional `=` padding and only
//! canonical encodings.

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

#[cfg(test)]
pub(crate) fn encode(bytes: &[u8]) -> String {
    ENGINE.encode(bytes)
}

pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    ENGINE.encode_string(bytes, out);
}

pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    ENGINE.decode(text).ok()
}

/// Decodes into `out`; `None` when the text is not canonical base64url or does not fit.
pub(crate) fn decode_slice(text: &str, out: &mut [u8]) -> Option<usize> {
    ENGINE.decode_slice(text, out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_alphabets() {
        assert_eq!(encode(b"\xfb\xff"), "-_8");
        assert_eq!(decode("-_8").unwrap(), b"\xfb\xff");
        assert_eq!(decode("-_8=").unwrap(), b"\xfb\xff");
        assert!(decode("+/8").is_none());
        assert!(decode("aaaaa").is_none());
        assert!(decode("a!b").is_none());
    }
}
