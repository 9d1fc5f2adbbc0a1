"""python manage.py import_ledger FILE.xlsx [--case CASE_ID] [--dry-run] [--user USERNAME]"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from cases.ledger import LedgerRejected, import_ledger
from cases.models import Case


class Command(BaseCommand):
    help = ("Import an .xlsx ledger: every row is checked first; a file with any bad row is refused "
            "with a report and nothing is written.")

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--case", type=int, help="Case id (default: found from the ID column or the title).")
        parser.add_argument("--dry-run", action="store_true", help="Check and show the changes; write nothing.")
        parser.add_argument("--user", default="admin",
                            help="Username the changes are recorded under (a supervisor or administrator).")

    def handle(self, file, case=None, dry_run=False, user="admin", **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在:{file}")
        person = get_user_model().objects.filter(username=user, is_active=True).first()
        if person is None:
            raise CommandError(f"用户 {user} 不存在或已停用;用 --user 指定导入人。")
        target = None
        if case is not None:
            target = Case.objects.filter(pk=case).first()
            if target is None:
                raise CommandError(f"案件 {case} 不存在。")
        try:
            result = import_ledger(path.read_bytes(), file_name=path.name, user=person, case=target, dry_run=dry_run)
        except LedgerRejected as exc:
            raise CommandError(exc.result.report()) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.report())
        if dry_run:
            self.stdout.write("试运行(--dry-run):以上变更未写入。")
