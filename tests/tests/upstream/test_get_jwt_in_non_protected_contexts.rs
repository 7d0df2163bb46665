//! Port of upstream `tests/test_get_jwt_in_non_protected_contexts.py`.
