import pytest

# The shared fixtures and helpers are imported by test modules before pytest loads them as a
# plugin; registering first keeps pytest's detailed assertion messages in them.
pytest.register_assert_rewrite("tests.e2e.page.fixtures")
