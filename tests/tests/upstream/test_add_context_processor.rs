//! Port of upstream `tests/test_add_context_processor.py`.
