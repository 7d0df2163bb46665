//! Port of upstream `tests/test_asymmetric_crypto.py`.
