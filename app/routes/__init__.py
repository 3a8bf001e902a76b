"""HTTP routes, one topic a module."""
