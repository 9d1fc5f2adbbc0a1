"""python manage.py import_ledger FILE.xlsx [--case CASE_ID] [--dry-run] [--user USERNAME]"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

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
            raise CommandError(_("File not found: %(path)s") % {"path": file})
        person = get_user_model().objects.filter(username=user, is_active=True).first()
        if person is None:
            raise CommandError(_("User %(user)s does not exist or is inactive; name the importer with --user.")
                               % {"user": user})
        target = None
        if case is not None:
            target = Case.objects.filter(pk=case).first()
            if target is None:
                raise CommandError(_("There is no case %(id)s.") % {"id": case})
        try:
            result = import_ledger(path.read_bytes(), file_name=path.name, user=person, case=target, dry_run=dry_run)
        except LedgerRejected as exc:
            raise CommandError(exc.result.report()) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(result.report())
        if dry_run:
            self.stdout.write(_("Dry run (--dry-run): the changes above were not written."))
