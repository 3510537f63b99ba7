"""Loads the lorabench pytest plugin; everything else lives in fixtures/."""

pytest_plugins = ["fixtures.plugin"]
