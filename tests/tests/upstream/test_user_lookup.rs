//! Port of upstream `tests/test_user_lookup.py`.
