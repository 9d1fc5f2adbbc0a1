"""The weekly job end to end: enqueued through Redis, run by a real `celery worker`, mail captured.

The worker is another process, so it must see committed data in a database it can open:
this runs in the PostgreSQL pass (`make test`), against the test database itself.
"""

import email
import os
import subprocess
import sys
import time
import uuid
from email import policy
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from cases import tasks
from cases.models import Reminder
from config.celery import app
from tests import factories

BASE_DIR = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "") + "@" if s["USER"] else ""
    return f"postgres://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait_for(predicate, what: str, log_path: Path | None = None):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    log = log_path.read_text()[-3000:] if log_path and log_path.exists() else ""
    pytest.fail(f"timed out after {WAIT_SECONDS}s waiting for {what}\n{log}")


@pytest.fixture
def worker(redis_url, tmp_path):
    """A real worker on its own queue, writing mail to files under tmp_path/mail."""
    queue = f"rectify-test-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMAIL_", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings", RECTIFY_ENV="development", DATABASE_URL=_database_url(),
        REDIS_URL=redis_url, CELERY_BROKER_URL=redis_url, CELERY_TASK_DEFAULT_QUEUE=queue,
        CELERY_TASK_ALWAYS_EAGER="false", RECTIFY_VAR_DIR=str(tmp_path), SITE_URL="https://zg.example.gov.cn",
    )
    env.pop("EMAIL_URL", None)
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "--pool=solo", "-Q", queue,
         "--without-mingle", "--without-gossip", "--loglevel=INFO"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")}
    try:
        app.conf.update(broker_url=redis_url, task_always_eager=False, task_default_queue=queue)
        app.close()  # drop any producer pool built for the embedded broker
        yield tmp_path / "mail", tmp_path / "worker.log"
    finally:
        app.conf.update(saved)
        app.close()
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(timeout=5)
        log.close()


def _read_mail(folder: Path) -> list[email.message.EmailMessage]:
    """The file backend of `make run` writes one .eml per message (config/mail.py)."""
    assert not list(folder.glob("*.log"))
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default) for path in sorted(folder.glob("*.eml"))]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_weekly_job_enqueued_through_redis_is_sent_by_a_real_worker(worker):
    mail_dir, log_path = worker
    today = timezone.localdate()
    unit = factories.UnitFactory(name="县财政局", email="czj@example.cn")
    staff = factories.UserFactory(role="staff", units=[unit], name="马晓丽")
    leader = factories.UserFactory(name="赵明")
    supervisor = factories.UserFactory(role="supervisor", name="王晓燕")
    factories.MeasureFactory(lead_unit=unit, lead_leader=leader, text="规范政府采购程序",
                             deadline=today - timezone.timedelta(days=20))

    # deferred_from skips the holiday check, so the test does not depend on the day it runs.
    tasks.run_weekly_reminders.delay(deferred_from=today.isoformat())

    expected = {unit.email, staff.email, leader.email, supervisor.email}
    _wait_for(lambda: Reminder.objects.filter(status=Reminder.Status.SENT).count() == 4,
              "four reminders sent by the worker", log_path)
    _wait_for(lambda: mail_dir.exists() and len(_read_mail(mail_dir)) == 4, "four mail files", log_path)
    messages = {m["To"]: m for m in _read_mail(mail_dir)}
    subjects = {to: str(m["Subject"]).strip() for to, m in messages.items()}  # folded headers keep a leading space
    assert set(messages) == expected
    assert subjects[staff.email] == "【整改提醒】马晓丽:1 项整改事项需关注,已逾期 1 项(督办 1 项)"
    assert subjects[leader.email] == "【督办提醒】赵明:1 项整改事项需督办,其中逾期 1 项"
    assert subjects[supervisor.email].startswith("【整改周汇总】")
    body = messages[staff.email].get_body(("plain",)).get_content()
    assert "督办,已逾期 20 天] 规范政府采购程序" in body
    assert "https://zg.example.gov.cn/items/" in body
    assert messages[staff.email].get_body(("html",)) is not None
    assert Reminder.objects.filter(period=today - timezone.timedelta(days=today.weekday())).count() == 4


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_big_ledger_sent_to_the_api_is_checked_then_imported_by_a_real_worker(worker, settings):
    """The import jobs of cases.jobs through Redis: the request answers 202 at once, the worker (another
    process, sharing the test database and the media folder) checks the file, then imports it."""
    import datetime
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse
    from openpyxl import load_workbook

    from cases.jobs.models import ImportJob
    from cases.ledger import HEADERS, write_ledger_xlsx
    from cases.models import Measure
    from tests.notices.test_import_api import _client

    _mail_dir, log_path = worker
    settings.IMPORT_BACKGROUND_BYTES = 0  # every file is read in the background
    supervisor = factories.UserFactory(role="supervisor", name="王晓燕")
    measure = factories.MeasureFactory(deadline=datetime.date(2026, 6, 30))
    stream = io.BytesIO()
    write_ledger_xlsx(Measure.objects.filter(pk=measure.pk), stream)
    workbook = load_workbook(io.BytesIO(stream.getvalue()))
    workbook["整改台账"].cell(row=3, column=HEADERS.index("完成时限") + 1, value="2027-03-31")
    out = io.BytesIO()
    workbook.save(out)
    client = _client(supervisor)

    def post(**extra):
        answer = client.post(f"/api/v1/cases/{measure.case_id}/ledger/", {
            "file": SimpleUploadedFile("台账.xlsx", out.getvalue()), **extra}, format="multipart")
        assert answer.status_code == 202, answer.content
        return answer.json()["job"]

    def status(job_id):
        return client.get(reverse("api-import-job-detail", args=[job_id])).json()

    checked = post(dry_run="true")
    _wait_for(lambda: ImportJob.objects.get(pk=checked).finished, "the check job to finish", log_path)
    job = status(checked)
    assert job["state"] == "done" and job["result"]["summary"]["deadlines_changed"] == 1, job
    assert Measure.objects.get(pk=measure.pk).deadline == datetime.date(2026, 6, 30)

    imported = post()
    _wait_for(lambda: ImportJob.objects.get(pk=imported).finished, "the import job to finish", log_path)
    assert ImportJob.objects.get(pk=imported).state == ImportJob.State.DONE
    assert Measure.objects.get(pk=measure.pk).deadline == datetime.date(2027, 3, 31)
