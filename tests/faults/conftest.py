"""Fixtures of the fault tests."""

from tests.faults.loopback import chat_server

__all__ = ["chat_server"]
