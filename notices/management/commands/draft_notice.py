"""python manage.py draft_notice CASE_ID [--docx FILE] [--date YYYY-MM-DD]"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cases.models import Case
from notices.drafter import draft_notice, notice_docx


class Command(BaseCommand):
    help = "Draft the progress notice (整改进展情况通报) of a case: text to standard output, or .docx."

    def add_arguments(self, parser):
        parser.add_argument("case_id", type=int)
        parser.add_argument("--docx", metavar="FILE", help="Write a Word document instead of text.")
        parser.add_argument("--date", type=datetime.date.fromisoformat, help="Date of the notice (default today).")

    def handle(self, case_id, docx=None, date=None, **options):
        case = Case.objects.filter(pk=case_id).first()
        if case is None:
            raise CommandError(_("There is no case %(id)s.") % {"id": case_id})
        draft = draft_notice(case, on=date)
        for warning in draft.warnings:
            self.stderr.write(_("Note: %(warning)s") % {"warning": warning})
        if docx:
            with open(docx, "wb") as stream:
                stream.write(notice_docx(draft))
            self.stderr.write(_("Written to %(file)s") % {"file": docx})
        else:
            self.stdout.write(draft.text, ending="")
