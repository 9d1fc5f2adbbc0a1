"""Settings come from the environment; production mode passes the deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env):
    dropped = {"DATABASE_URL", "REDIS_URL", "RECTIFY_ENV", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env = {k: v for k, v in os.environ.items() if k not in dropped}
    full_env.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True,
                          text=True, timeout=120)


def test_production_mode_passes_check_deploy(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        RECTIFY_ENV="production", SECRET_KEY="x" * 30 + "-production-secret-" + "y" * 30,
        ALLOWED_HOSTS="rectify.example.gov.cn", RECTIFY_VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret(tmp_path):
    result = run_manage("check", RECTIFY_ENV="production", RECTIFY_VAR_DIR=str(tmp_path),
                        STATIC_ROOT=str(tmp_path / "static"))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_secret_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("z" * 60)
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)",
                        RECTIFY_ENV="production", SECRET_KEY_FILE=str(secret), ALLOWED_HOSTS="x",
                        RECTIFY_VAR_DIR=str(tmp_path), STATIC_ROOT=str(tmp_path / "static"))
    assert result.stdout.strip().endswith("z" * 60), result.stderr


def test_database_url_selects_the_database(tmp_path):
    db = tmp_path / "other.sqlite3"
    result = run_manage("shell", "-c", "from django.conf import settings; print(settings.DATABASES['default']['NAME'])",
                        DATABASE_URL=f"sqlite:///{db}", RECTIFY_VAR_DIR=str(tmp_path))
    assert result.stdout.strip().endswith(str(db)), result.stderr


def test_defaults_need_no_services(settings):
    from django.conf import settings as live

    assert live.TIME_ZONE == "Asia/Shanghai"
    assert live.LANGUAGE_CODE == "zh-hans"
    assert ("en", "English") in live.LANGUAGES
