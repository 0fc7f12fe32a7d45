"""Reusable test support: a prefixed static HTTP server, Chromium via Playwright, vnu.

Fixtures live in ``tests.support.fixtures``; enable them from ``tests/conftest.py`` with
``pytest_plugins = ["tests.support.fixtures"]``.
"""
