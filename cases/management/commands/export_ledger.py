"""python manage.py export_ledger CASE_ID FILE.xlsx — the case's ledger as Excel (or .csv)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.ledger import write_ledger_csv, write_ledger_xlsx
from cases.models import Case, Measure


class Command(BaseCommand):
    help = "Export a case's ledger (整改台账) as .xlsx, or .csv when the file name ends in .csv."

    def add_arguments(self, parser):
        parser.add_argument("case_id", type=int)
        parser.add_argument("file", help="Output file (.xlsx or .csv); '-' writes CSV to standard output.")

    def handle(self, case_id, file, **options):
        case = Case.objects.filter(pk=case_id).first()
        if case is None:
            raise CommandError(_("There is no case %(id)s.") % {"id": case_id})
        measures = Measure.objects.filter(case=case)
        if file == "-":
            write_ledger_csv(measures, self.stdout)
            return
        if file.lower().endswith(".csv"):
            with open(file, "w", encoding="utf-8", newline="") as stream:
                write_ledger_csv(measures, stream)
        else:
            with open(file, "wb") as stream:
                write_ledger_xlsx(measures, stream)
        count = measures.count()
        self.stderr.write(ngettext("Exported %(n)s measure to %(file)s", "Exported %(n)s measures to %(file)s", count)
                          % {"n": count, "file": file})
