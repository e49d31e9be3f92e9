"""Production fails closed (issue 12, section 3): with the mocks off, the settings README.md
documents pass `manage.py check` and `check --deploy --fail-level WARNING`, the mocks are neither
installed nor routed, and each required variable left out is an error of the system checks naming
it — for `manage.py` and for the WSGI application alike.

Each case runs in a child process with exactly the environment given (README's production block
through scripts/production_env.py, PATH, and a var/ folder of its own), never this process's.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import production_env

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "SECRET_KEY": "onecua.E001",
    "PORTAL_BASE_URL": "onecua.E002",
    "PORTAL_USERNAME": "onecua.E002",
    "PORTAL_PASSWORD": "onecua.E002",
    "ONECUA_PAYMENT_URL": "onecua.E008",
    "ONECUA_PAYMENT_PARTNER_CODE": "onecua.E008",
    "ONECUA_PAYMENT_SECRET": "onecua.E008",
    "ONECUA_PAYMENT_NOTIFY_URL": "onecua.E008",
    "ONECUA_OIDC_CLIENT_ID": "onecua.E004",
    "ONECUA_OIDC_CLIENT_SECRET": "onecua.E004",
    "ONECUA_OIDC_ISSUER": "onecua.E004",
    "ONECUA_FIELD_KEYS": "onecua.E006",
    "ONECUA_HMAC_KEY": "onecua.E007",
    "EMAIL_HOST": "onecua.E010",
    "NOTIFY_SMS_URL": "onecua.E010",
    "NOTIFY_SMS_API_KEY": "onecua.E010",
    "NOTIFY_SMS_CALLBACK_SECRET": "onecua.E010",
    "NOTIFY_ZALO_URL": "onecua.E010",
    "NOTIFY_ZALO_ACCESS_TOKEN": "onecua.E010",
    "NOTIFY_ZALO_CALLBACK_SECRET": "onecua.E010",
}


def _env(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    env = {**production_env.environment(), "ONECUA_VAR_DIR": str(tmp_path / "var")}
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return _run(["manage.py", *args], env)


def test_the_documented_block_names_every_required_variable():
    documented = production_env.documented()
    assert documented["ONECUA_MOCKS"] == "0"
    assert set(REQUIRED) <= set(documented)
    # Secrets are placeholders in the README, never values someone could deploy as they are.
    for name in (
        "SECRET_KEY",
        "PORTAL_PASSWORD",
        "ONECUA_OIDC_CLIENT_SECRET",
        "ONECUA_FIELD_KEYS",
        "ONECUA_HMAC_KEY",
        "ONECUA_PAYMENT_SECRET",
    ):
        assert documented[name] == production_env.PLACEHOLDER


def test_the_documented_settings_pass_the_deployment_checks(tmp_path):
    done = _manage("check", "--deploy", "--fail-level", "WARNING", env=_env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_with_the_mocks_off_nothing_of_them_is_installed_or_routed(tmp_path):
    code = (
        "import json, django\n"
        "django.setup()\n"
        "from django.apps import apps\n"
        "from django.conf import settings\n"
        "from django.urls import Resolver404, resolve\n"
        "def routed(path):\n"
        "    try:\n"
        "        resolve(path)\n"
        "        return True\n"
        "    except Resolver404:\n"
        "        return False\n"
        "print(json.dumps({\n"
        "    'mocks': settings.ONECUA_MOCKS,\n"
        "    'installed': apps.is_installed('integrations.mockportal')\n"
        "        or apps.is_installed('integrations.mockmessaging'),\n"
        "    'routed': routed('/mock-dvcqg/auth/token') or routed('/mock-messaging/sms/send'),\n"
        "    'vneid_installed': apps.is_installed('integrations.mockvneid'),\n"
        "    'vneid_routed': routed('/mock-vneid/jwks/'),\n"
        "    'vneid_in_process': settings.ONECUA_OIDC_MOCK_IN_PROCESS,\n"
        "    'citizen_password_login': settings.ONECUA_CITIZEN_PASSWORD_LOGIN,\n"
        "    'portal_user': settings.PORTAL_USERNAME,\n"
        "}))\n"
    )
    env = _env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings", PORTAL_USERNAME="dvc-onecua")
    done = _run(["-c", code], env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "mocks": False,
        "installed": False,
        "routed": False,
        "vneid_installed": False,
        "vneid_routed": False,
        "vneid_in_process": False,
        "citizen_password_login": False,
        "portal_user": "dvc-onecua",
    }
    # Nor is the mock's command there.
    done = _manage("run_mock_portal", "--help", env=env)
    assert done.returncode != 0
    assert "Unknown command: 'run_mock_portal'" in done.stderr
    assert "Unknown command" in _manage("run_mock_vneid", "--help", env=env).stderr


@pytest.mark.parametrize("variable", sorted(REQUIRED))
def test_a_missing_variable_is_an_error_naming_it(tmp_path, variable):
    done = _manage("check", env=_env(tmp_path, **{variable: None}))
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if f"({REQUIRED[variable]})" in line]
    assert len(errors) == 1, done.stderr
    assert variable in errors[0]
    assert "ERRORS:" in done.stderr


def test_the_placeholder_counts_as_missing_and_urls_are_checked(tmp_path):
    env = _env(
        tmp_path,
        PORTAL_PASSWORD=production_env.PLACEHOLDER,
        PORTAL_BASE_URL="dvcqg.example.gov.vn/api",
        ONECUA_OIDC_ISSUER="http://vneid.example.gov.vn/oidc",
        ONECUA_PAYMENT_NOTIFY_URL="http://motcua.example.gov.vn/api/v1/payments/ipn/",
        NOTIFY_SMS_URL="sms.example.vn",
    )
    done = _manage("check", env=env)
    assert done.returncode != 0
    assert "(onecua.E002) PORTAL_PASSWORD is still the placeholder CHANGE_ME" in done.stderr
    assert "(onecua.E003) PORTAL_BASE_URL must be an absolute http(s) URL" in done.stderr
    assert "(onecua.E005) ONECUA_OIDC_ISSUER must be an absolute https URL" in done.stderr
    assert "(onecua.E009) ONECUA_PAYMENT_NOTIFY_URL must be an absolute https URL" in done.stderr
    assert "(onecua.E011) NOTIFY_SMS_URL must be an absolute http(s) URL" in done.stderr


def test_no_fallback_secret_key_with_the_mocks_off(tmp_path):
    """var/secret_key (the embedded default's) is not read, and no key is made for the process:
    the key stays empty and the check says so."""
    var = tmp_path / "var"
    var.mkdir()
    (var / "secret_key").write_text("key-kept-by-dev-sh-for-the-embedded-default\n")
    env = _env(tmp_path, SECRET_KEY=None, DJANGO_SETTINGS_MODULE="config.settings")
    done = _run(["-c", "import config.settings as s; print(repr(s.SECRET_KEY))"], env)
    assert done.stdout.strip() == "''"
    done = _manage("check", env=env)
    assert "(onecua.E001) SECRET_KEY is not set" in done.stderr
    # The same directory with the mocks on: the embedded default's fallback.
    done = _run(
        ["-c", "import config.settings as s; print(s.SECRET_KEY)"], {**env, "ONECUA_MOCKS": "1"}
    )
    assert done.stdout.strip() == "key-kept-by-dev-sh-for-the-embedded-default"


def test_the_wsgi_application_refuses_to_start(tmp_path):
    env = _env(tmp_path, PORTAL_BASE_URL=None, DJANGO_SETTINGS_MODULE="config.settings")
    done = _run(["-c", "import config.wsgi"], env)
    assert done.returncode != 0
    assert "SystemCheckError" in done.stderr
    assert "(onecua.E002) PORTAL_BASE_URL is not set" in done.stderr
    done = _run(
        ["-c", "import config.wsgi"], _env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings")
    )
    assert done.returncode == 0, done.stderr


def test_a_celery_worker_refuses_to_start(tmp_path):
    env = _env(tmp_path, ONECUA_OIDC_ISSUER=None, CELERY_BROKER_URL="memory://")
    celery = [
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    done = _run(celery, env)
    assert done.returncode != 0
    assert "(onecua.E004) ONECUA_OIDC_ISSUER is not set" in done.stdout + done.stderr


def test_the_suite_itself_runs_with_the_mocks(settings):
    """tests/environment.py sets ONECUA_MOCKS=1 before the settings are read, on SQLite and on
    PostgreSQL alike."""
    assert os.environ["ONECUA_MOCKS"] == "1"
    assert settings.ONECUA_MOCKS is True
    assert "integrations.mockportal" in settings.INSTALLED_APPS
