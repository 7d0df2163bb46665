//! Port of upstream `tests/test_query_string.py`.
