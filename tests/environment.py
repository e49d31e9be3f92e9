"""The environment the settings read at import, set for the whole test run.

A pytest plugin, loaded early by `-p tests.environment` (pyproject.toml, addopts): pytest-django
imports config.settings (and sets Django up) in its own pytest_load_initial_conftests hook, before
any conftest.py, so a conftest's pytest_configure comes too late for what the settings decide at
import — INSTALLED_APPS and the URLconf. (tests/conftest.py's pytest_configure can still fix
SECRET_KEY: Django reads that setting when it uses it.)

- ONECUA_MOCKS=1: the suite runs with the mocks of the national systems installed and routed,
  on SQLite and on PostgreSQL alike (a DATABASE_URL would turn them off). The child processes the
  tests start inherit it; tests of production (mocks off) give their children an environment of
  their own (tests/config/test_production.py).
"""

import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    os.environ["ONECUA_MOCKS"] = "1"
