"""Probes of the hardening issue cheap enough for every CI run: against real servers (the
live tests' fixtures) and in-process apps on both databases."""

from tests.live.conftest import api, live_logs, server  # noqa: F401 (the live fixtures)
