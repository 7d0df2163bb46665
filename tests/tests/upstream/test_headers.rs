//! Port of upstream `tests/test_headers.py`.
