"""`python manage.py import_notice PATH [--dry-run] [--json] [--unit NAME] [--deadline DATE] [--case ID]`."""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from cases.models import Case
from notices.importer import ImportPlan, NoticeImportError, import_notice, preview_notice
from notices.parser import ParseError, parse_file


class Command(BaseCommand):
    help = _(
        "Import a published rectification notice or feedback document (.txt, .docx or saved .html) "
        "into a case. With --dry-run nothing is written; --json prints the parsed tree as JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("the notice file: .txt, .docx or .html"))
        parser.add_argument("--dry-run", action="store_true", help=_("parse and show what would happen; write nothing"))
        parser.add_argument("--json", action="store_true",
                            help=_("print the parsed tree as JSON (UTF-8) on standard output"))
        parser.add_argument("--unit", metavar="NAME",
                            help=_("responsible unit of the new measures (created if missing; default: the issuer)"))
        parser.add_argument("--deadline", metavar="YYYY-MM-DD",
                            help=_("deadline of measures that state none (default: two months after the feedback)"))
        parser.add_argument("--create-missing", action="store_true",
                            help=_("create the units and leaders the notice names that the organisation lacks"))
        parser.add_argument("--case", type=int, metavar="ID", help=_("update this case instead of matching one"))
        parser.add_argument("--user", metavar="USERNAME", help=_("record this user as the importer"))
        parser.add_argument("--organisation", metavar="NAME_OR_ID",
                            help=_("organisation that rectifies a new case (default: the only one, or the "
                                   "highest one the --user supervises)"))

    def handle(self, *args, path, dry_run, json: bool, unit, deadline, case, user, organisation=None,
               create_missing: bool = False, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        default_deadline = self._date(deadline) if deadline else None
        target = self._case(case) if case else None
        by = self._user(user) if user else None
        where = None if target else self._organisation(organisation, by)
        try:
            parsed = parse_file(source)
        except ParseError as exc:
            raise CommandError(_("Cannot import %(name)s: %(error)s") % {
                "name": source.name, "error": exc.message}) from exc

        # With --json the JSON alone goes to standard output, so it can be piped; the
        # human-readable report then goes to standard error.
        report = self.stderr if json else self.stdout
        if json:
            self.stdout.write(_dumps(parsed.to_dict()))
        try:
            plan = preview_notice(parsed, unit_name=unit, case=target, organisation=where,
                                  default_deadline=default_deadline, create_missing=create_missing)
            self._report_plan(plan, report)
            if dry_run:
                report.write(_("Dry run: nothing was written."))
                return
            if plan.blockers or plan.name_blockers:
                raise NoticeImportError(" ".join([*plan.blockers, *plan.name_blockers]))
            result = import_notice(parsed, by=by, unit_name=unit, case=target, organisation=where,
                                   default_deadline=default_deadline, create_missing=create_missing,
                                   source=str(source.name), expected_hash=plan.content_hash)
        except (NoticeImportError, ValidationError) as exc:
            message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise CommandError(_("Cannot import %(name)s: %(error)s") % {"name": source.name, "error": message}) \
                from exc
        style = self.style.WARNING if result.duplicate else self.style.SUCCESS
        report.write(style(result.message))
        if result.case is not None:
            report.write(_("Case %(id)s, notice %(notice)s.") % {"id": result.case.pk, "notice": result.notice.pk})

    def _report_plan(self, plan: ImportPlan, out) -> None:
        header = plan.parsed.header
        found = plan.found()
        out.write(_("Notice: %(title)s") % {"title": header.title or "—"})
        out.write(_("Issuer: %(issuer)s; signed %(signed)s; inspection team: %(team)s; feedback %(feedback)s") % {
            "issuer": header.issuer or "—", "signed": _iso(header.signed_on), "team": header.inspection_team or "—",
            "feedback": _iso(header.feedback_on)})
        out.write(_("Tree: %(levels)s nodes per level, %(problems)d problems, %(measures)d measures") % {
            "levels": "/".join(str(n) for n in found["levels"]) or "0", "problems": found["problems"],
            "measures": found["measures"]})
        if header.declared:
            out.write(_("Declared by the notice: %(declared)s") % {
                "declared": ", ".join(f"{k}={v}" for k, v in header.declared.items())})
        for warning in plan.parsed.warnings:
            where = _("line %(n)s: ") % {"n": warning.line} if warning.line else ""
            out.write(self.style.WARNING(_("Warning: %(where)s%(message)s") % {"where": where,
                                                                                "message": warning.message}))
        if plan.is_duplicate:
            out.write(self.style.WARNING(_("This text was imported before (notice %(id)s).") % {
                "id": plan.duplicate_of.pk}))
            return
        if plan.creates_case:
            out.write(_("Will create a new case: %(title)s") % {"title": plan.case_values["title"]})
        else:
            out.write(_("Will update case %(id)s: %(title)s (%(reason)s)") % {
                "id": plan.case.pk, "title": plan.case.title, "reason": plan.case_match_reason})
        counts = plan.counts()
        out.write(_("New: %(problems)d problems as the notice counts them (%(nodes)d tree nodes with categories and "
                    "sub-problems), %(measures)d measures.") % {
            "problems": counts["problems_created"], "nodes": counts["nodes_created"],
            "measures": counts["measures_created"]})
        for note in plan.notes:
            out.write("· " + note)
        for blocker in [*plan.blockers, *plan.name_blockers]:
            out.write(self.style.ERROR(_("Cannot be imported as it stands: %(reason)s") % {"reason": blocker}))

    @staticmethod
    def _date(value: str) -> datetime.date:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as exc:
            raise CommandError(_("--deadline must be a date like 2025-06-30, not “%(value)s”.") % {
                "value": value}) from exc

    @staticmethod
    def _case(pk: int) -> Case:
        try:
            return Case.objects.get(pk=pk)
        except Case.DoesNotExist as exc:
            raise CommandError(_("There is no case %(id)s.") % {"id": pk}) from exc

    @staticmethod
    def _organisation(value: str | None, by: User | None) -> Organisation | None:
        if value:
            found = Organisation.objects.filter(pk=int(value)) if value.isdigit() else \
                Organisation.objects.filter(name=value)
            if by is not None:
                found = found & Organisation.objects.supervised_by(by)
            if len(found[:2]) != 1:
                raise CommandError(_("There is no single organisation “%(name)s” to import into.") % {"name": value})
            return found[0]
        if by is not None and (default := Organisation.objects.default_for(by)) is not None:
            return default
        only = list(Organisation.objects.filter(is_active=True)[:2])
        if not only:
            return None  # an empty deployment: the importer creates one named after the inspected body
        if len(only) != 1:
            raise CommandError(_("Several organisations exist: name one with --organisation."))
        return only[0]

    @staticmethod
    def _user(username: str) -> User:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(_("There is no user “%(name)s”.") % {"name": username}) from exc


def _dumps(data) -> str:
    # ensure_ascii=False keeps the Chinese readable; the stream is forced to UTF-8 below.
    if hasattr(sys.stdout, "reconfigure") and (sys.stdout.encoding or "").lower() not in ("utf-8", "utf8"):
        sys.stdout.reconfigure(encoding="utf-8")
    return json.dumps(data, ensure_ascii=False, indent=2)


def _iso(value: datetime.date | None) -> str:
    return value.isoformat() if value else "—"
