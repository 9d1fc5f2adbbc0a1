"""The mail backend of `make run` (no EMAIL_URL): one .eml file per message, as the README says."""

from __future__ import annotations

import email
import os
import subprocess
import sys
from email import policy

from django.conf import settings
from django.core import mail

from config.mail import EmlFileBackend


def test_each_message_is_its_own_eml_file(tmp_path):
    backend = EmlFileBackend(file_path=str(tmp_path))
    messages = []
    for i in range(3):
        message = mail.EmailMultiAlternatives(f"督办提醒 {i}", f"正文 {i}", "整改台账 <rectify@localhost>",
                                              [f"user{i}@example.cn"])
        message.attach_alternative(f"<p>正文 {i}</p>", "text/html")
        messages.append(message)
    # One connection sending several messages, as the reminder job does.
    assert backend.send_messages(messages) == 3
    assert backend.send_messages(messages[:1]) == 1
    files = sorted(tmp_path.iterdir())
    assert [f.suffix for f in files] == [".eml"] * 4
    read = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert sorted(m["To"] for m in read) == ["user0@example.cn", "user0@example.cn", "user1@example.cn",
                                             "user2@example.cn"]
    first = next(m for m in read if m["Subject"] == "督办提醒 1")
    assert first.get_body(("plain",)).get_content().strip() == "正文 1"
    assert "<p>正文 1</p>" in first.get_body(("html",)).get_content()


def test_a_message_without_recipients_writes_nothing(tmp_path):
    backend = EmlFileBackend(file_path=str(tmp_path))
    assert backend.send_messages([mail.EmailMessage("s", "b", "a@example.cn", [])]) == 0
    assert list(tmp_path.iterdir()) == []


def test_make_run_sends_mail_to_eml_files(tmp_path):
    """With nothing set (as `make run`), a sent message lands as one .eml in RECTIFY_VAR_DIR/mail."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "DJANGO_", "RECTIFY_"))}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", RECTIFY_VAR_DIR=str(tmp_path), DATABASE_URL="sqlite://:memory:")
    code = ("import django; django.setup(); from django.conf import settings; from django.core.mail import send_mail; "
            "print(settings.EMAIL_BACKEND); send_mail('主题', '正文', None, ['a@example.cn'])")
    result = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "config.mail.EmlFileBackend"
    assert [p.suffix for p in (tmp_path / "mail").iterdir()] == [".eml"]
