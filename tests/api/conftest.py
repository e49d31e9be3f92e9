"""The API contract tests reuse the dossier tests' people and places."""

from tests.dossiers.conftest import cast  # noqa: F401 (a fixture)
