//! Port of upstream `tests/test_cookies.py`.
