//! Port of upstream `tests/test_multiple_token_locations.py`.
