//! Port of upstream `tests/test_options_method.py`.
