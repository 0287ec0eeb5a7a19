import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lms.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "p" * 20
    + "-production-like-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "hocvien.bacninh.gov.vn",
    "SITE_URL": "https://hocvien.bacninh.gov.vn",
}


def _clean_environ() -> dict[str, str]:
    # pytest-django points DJANGO_SETTINGS_MODULE at the test settings; a child
    # process must load the real ones.
    dropped = {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    return {k: v for k, v in os.environ.items() if k not in dropped}


def _run_python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**_clean_environ(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_bad_boolean_fails_loudly(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG")


def test_a_bad_integer_fails_loudly(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER"):
        env_int("SOME_NUMBER", 1)


def test_an_integer_below_its_minimum_fails(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "-5")
    with pytest.raises(ImproperlyConfigured, match="minimum"):
        env_int("SOME_NUMBER", 1, minimum=0)


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    monkeypatch.setenv("SOME_SECRET_FILE", str(secret))
    assert env_str("SOME_SECRET") == "from-file"


def test_lists_are_comma_separated(monkeypatch):
    monkeypatch.setenv("SOME_HOSTS", "a.example, b.example,,")
    assert env_list("SOME_HOSTS") == ["a.example", "b.example"]


def test_settings_refuse_to_start_without_secret_key_when_debug_is_off():
    result = _run_python("import lms.settings", {"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_settings_refuse_a_malformed_database_url():
    result = _run_python(
        "import lms.settings", {"DEBUG": "1", "DATABASE_URL": "nosuchdb://x"}
    )
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_settings_refuse_an_unknown_language():
    result = _run_python("import lms.settings", {"DEBUG": "1", "LANGUAGE_CODE": "fr"})
    assert result.returncode != 0
    assert "LANGUAGE_CODE" in result.stderr


def test_check_deploy_passes_with_production_env(tmp_path):
    env = {**PRODUCTION_ENV, "DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**_clean_environ(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_defaults_are_vietnamese_in_hanoi_time(settings):
    assert settings.LANGUAGE_CODE == "vi"
    assert settings.TIME_ZONE == "Asia/Ho_Chi_Minh"
    assert ("en", "English") in settings.LANGUAGES
