//! Port of upstream `tests/test_claims_verification.py`.
