//! Port of upstream `tests/test_jwt_header_loader.py`.
