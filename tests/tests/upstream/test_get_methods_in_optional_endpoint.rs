//! Port of upstream `tests/test_get_methods_in_optional_endpoint.py`.
