//! Port of upstream `tests/test_blocklist.py`.
