//! Port of upstream `tests/test_additional_claims_loader.py`.
