"""Test helpers: real databases, a clock you set, real server processes."""
