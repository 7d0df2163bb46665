//! Port of upstream `tests/test_json.py`.
