//! Port of upstream `tests/test_decode_tokens.py`.
