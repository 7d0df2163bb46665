//! Port of upstream `tests/test_view_decorators.py`.
