//! Port of upstream `tests/test_config.py`.
