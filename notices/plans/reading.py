"""From tables to a plan: categories, problems and their measures, with names and deadlines (no database).

A table's header row is the first of its first ten rows in which a problem or measure column and
at least one other column can be placed (`columns.place_header`, or the mapping the administrator
chose for headers it cannot place). Below it, a row whose cells all hold one text is a category
heading (一、…方面, merged across the table); every other row is a measure of the problem in its
problem cell, an empty problem cell (an unexpanded merge) meaning the problem above.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _

from cases.ledger.cells import DEADLINE_YEARS, read_date, split_label
from cases.models import Measure
from cases.names import comparison_key

from .columns import LABELS, place_header
from .tables import Table

_NAMES_SPLIT = re.compile(r"[、,，;；/\n]+|\s{2,}")
# A phone number written beside a name ("陈静（13805510001）", "刘洋 0551-6521234") is no part of it.
_PHONE = re.compile(r"[（(]?\s*(?:电话|手机|Tel)?[:：]?\s*\+?[\d][\d\- ]{5,}\d\s*[）)]?", re.IGNORECASE)
# Cells an office fills in to say "none": they name nobody.
_NONE_WORDS = {"无", "暂无", "/", "-", "—", "——", "－", "／", "\\", "空", "none", "n/a"}
_DATE_IN_TEXT = re.compile(
    r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日)?(?:底|末)?|(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?|(\d{4})\s*年\s*(?:底|末)"
)
_LONG_TERM = re.compile(r"长期坚持|长期整改|持续整改|常态化|久久为功|长期推进")
_IMMEDIATE = re.compile(r"立行立改|立即整改|即知即改|立知立改|即查即改")


@dataclass(slots=True)
class PlanProblem:
    label: str
    title: str
    category: int | None  # index into PlanRead.categories
    measures: list[PlanMeasure] = field(default_factory=list)


@dataclass(slots=True)
class PlanMeasure:
    table: str
    row: int
    label: str
    text: str
    leaders: list[str]
    lead_units: list[str]
    units: list[str]  # supporting, or all responsible units when the plan names no lead unit
    deadline: datetime.date | None
    kind: str
    deadline_text: str
    # 责任人 when the plan also has a 责任领导 column (with none, the 责任人 column is the leader).
    persons: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PlanIssue:
    table: str
    row: int  # 0: the table or file as a whole
    column: str
    message: str
    # Stable for the interfaces: "unknown_unit" and "unknown_leader" are solved by creating the
    # names on confirmation; any other error needs the file (or the column mapping) corrected.
    code: str = "invalid"

    def __str__(self) -> str:
        where = _("%(table)s, row %(row)s") % {"table": self.table, "row": self.row} if self.row else self.table
        if self.column:
            where = _("%(where)s, “%(column)s”") % {"where": where, "column": self.column}
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"table": self.table, "row": self.row, "column": self.column, "message": self.message,
                "code": self.code}


@dataclass(slots=True)
class PlanRead:
    categories: list[tuple[str, str]] = field(default_factory=list)  # (label, title)
    problems: list[PlanProblem] = field(default_factory=list)
    errors: list[PlanIssue] = field(default_factory=list)
    warnings: list[PlanIssue] = field(default_factory=list)
    # Header texts no column takes, per table: the mapping step offers them.
    unplaced: dict[str, list[str]] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # table → header text → key
    unread: list[str] = field(default_factory=list)  # tables with no header row that could be placed
    headers: dict[str, list[str]] = field(default_factory=dict)  # table → its header texts, in order

    def measures(self) -> list[PlanMeasure]:
        return [m for p in self.problems for m in p.measures]


def read_plan(tables: list[Table], *, mapping: dict[str, str] | None = None, max_rows: int = 5000) -> PlanRead:
    """`mapping`: header text → column key (or "ignore") chosen by the administrator."""
    chosen = {comparison_key(k): v for k, v in (mapping or {}).items()}
    plan = PlanRead()
    found: list[tuple[Table, Header]] = []
    for table in tables:
        header = _find_header(table, chosen)
        if header is None:
            # Offer the table's first row of several texts to the mapping step: its headers may
            # be worded so that none could be placed.
            candidate = next((row for row in table.rows[:10] if len({t for t in row if t}) >= 2), None)
            if candidate:
                plan.unplaced[table.name] = plan.headers[table.name] = list(dict.fromkeys(t for t in candidate if t))
                plan.unread.append(table.name)
            continue
        found.append((table, header))
        plan.columns[table.name] = {header.texts[i]: key for i, key in header.columns.items()}
        plan.headers[table.name] = list(dict.fromkeys(t for t in header.texts.values() if t))
        unplaced = [text for i, text in header.texts.items() if text and i not in header.columns
                    and chosen.get(comparison_key(text)) != "ignore"]
        if unplaced:
            plan.unplaced[table.name] = list(dict.fromkeys(unplaced))
    for table, header in _join_lists(found, plan):
        _read_table(table, header.row, header.columns, plan)
        if len(plan.measures()) > max_rows:
            plan.errors.append(PlanIssue(table.name, 0, "", _("More than %(max)s measures; split the plan and import "
                                                             "the parts separately.") % {"max": max_rows}))
            return plan
    _drop_empty_categories(plan)
    if not found:
        plan.errors.append(PlanIssue(_("File"), 0, "", _(
            "No table with a header row such as “%(problem)s”, “%(measure)s”, “%(units)s” was found.")
            % {"problem": LABELS["problem"], "measure": LABELS["measure"], "units": LABELS["units"]}))
    elif not plan.measures() and not plan.errors:
        plan.errors.append(PlanIssue(_("File"), 0, "", _("The tables hold no measures.")))
    return plan


def _drop_empty_categories(plan: PlanRead) -> None:
    """A row across the table that heads no measures (a closing 注：… note, a heading left without its
    rows) is not a category: it is left out, and said so."""
    used = {p.category for p in plan.problems}
    if len(used - {None}) == len(plan.categories):
        return
    kept: dict[int, int] = {}
    categories = []
    for index, (label, title) in enumerate(plan.categories):
        if index in used:
            kept[index] = len(categories)
            categories.append((label, title))
        else:
            plan.warnings.append(PlanIssue(_("File"), 0, "", _(
                "“%(text)s” heads no measures and was not imported as a category.") % {
                "text": f"{label}{title}"[:80]}))
    plan.categories = categories
    for problem in plan.problems:
        if problem.category is not None:
            problem.category = kept[problem.category]


@dataclass(slots=True)
class Header:
    row: int  # the last header row (data starts below it)
    columns: dict[int, str]  # cell index → column key
    texts: dict[int, str]  # cell index → header text shown (a sub-header where there is one)


def _place_row(row: list[str], chosen: dict[str, str]) -> dict[int, str]:
    columns: dict[int, str] = {}
    for i, text in enumerate(row):
        key = chosen.get(comparison_key(text)) or place_header(text)
        if key and key != "ignore" and key not in columns.values():
            columns[i] = key
    return columns


def _find_header(table: Table, chosen: dict[str, str]) -> Header | None:
    for number, row in enumerate(table.rows[:10]):
        columns = _place_row(row, chosen)
        keys = set(columns.values())
        if not ((keys & {"problem", "measure"} and len(columns) >= 2)
                or ("measure_ref" in keys and len(columns) >= 2)):
            continue
        header = Header(row=number, columns=columns, texts={i: t for i, t in enumerate(row) if t})
        _sub_header(table, header, chosen)
        return header
    return None


def _sub_header(table: Table, header: Header, chosen: dict[str, str]) -> None:
    """A second header row under a merged one (责任主体 over 责任领导 | 牵头单位 | 配合单位) adds its columns.

    It is told from a data row by its short cells, most of which are headers, and by placing a
    column the row above does not place."""
    if header.row + 1 >= len(table.rows):
        return
    top, below = table.rows[header.row], table.rows[header.row + 1]
    filled = [t for t in below if t]
    sub = _place_row(below, chosen)
    new = {i: k for i, k in sub.items() if (i >= len(top) or top[i] != below[i])}
    if not new or len(sub) < 2 or any(len(t) > 15 for t in filled) or 2 * len(sub) < len(set(filled)):
        return
    for i, key in new.items():
        for j in [j for j, k in header.columns.items() if k == key and j != i]:
            del header.columns[j]  # the sub-header is the more precise of the two
        header.columns[i] = key
        header.texts[i] = below[i]
    header.row += 1


def _join_lists(found: list[tuple[Table, Header]], plan: PlanRead) -> list[tuple[Table, Header]]:
    """问题清单 · 任务清单 · 责任清单 as separate sheets become one table per task list.

    A problem list places a problem column and no measure; a task list places measures and the
    number of their problem (问题序号); a responsibility list places the number of the task
    (任务序号) and who answers for it. Any other table is read as it is."""
    def keys(header: Header) -> set[str]:
        return set(header.columns.values())

    problem_lists = [(t, h) for t, h in found if "problem" in keys(h) and "measure" not in keys(h)]
    task_lists = [(t, h) for t, h in found if "measure" in keys(h) and "problem_ref" in keys(h)]
    duty_lists = [(t, h) for t, h in found if "measure_ref" in keys(h) and not keys(h) & {"problem", "measure"}]
    if not (problem_lists and task_lists):
        return [(t, h) for t, h in found if (t, h) not in duty_lists]
    problems: dict[str, list[str]] = {}
    for table, header in problem_lists:
        problems.update(_rows_by_number(table, header, "number", ("number", "category", "problem")))
    duties: dict[str, list[str]] = {}
    duty_keys = ("leader", "lead_unit", "units", "supporting", "person", "deadline", "kind")
    for table, header in duty_lists:
        duties.update(_rows_by_number(table, header, "measure_ref", duty_keys))
    joined_keys = ("number", "category", "problem", "measure", *duty_keys)
    result = []
    for table, header in task_lists:
        index_of = {key: i for i, key in header.columns.items()}
        rows = [list(r) for r in table.rows[:header.row]]
        rows.append([LABELS[k] for k in joined_keys])
        own_number = "number" if "number" in index_of else "measure_ref"
        for offset, row in enumerate(table.rows[header.row + 1:], start=header.row + 2):
            def cell(key, row=row, index_of=index_of):
                i = index_of.get(key)
                return row[i].strip() if i is not None and i < len(row) else ""
            if not any(row):
                rows.append([""] * len(joined_keys))
                continue
            ref = cell("problem_ref")
            problem = problems.get(comparison_key(ref))
            if problem is None:
                plan.errors.append(PlanIssue(table.name, table.first_row + offset - 1,
                                             header.texts.get(index_of["problem_ref"], ""),
                                             _("No problem is numbered “%(ref)s” in the problem list.") % {"ref": ref}))
                problem = ["", "", ""]
            duty = duties.get(comparison_key(cell(own_number)), [""] * len(duty_keys))
            rows.append([problem[0], problem[1], problem[2], cell("measure"),
                         *[cell(k) or duty[n] for n, k in enumerate(duty_keys)]])
        joined = Table(name=table.name, rows=rows, first_row=table.first_row)
        result.append((joined, Header(row=header.row, columns=dict(enumerate(joined_keys)),
                                      texts=dict(enumerate(rows[header.row])))))
    rest = [(t, h) for t, h in found if (t, h) not in problem_lists + task_lists + duty_lists]
    return result + rest


def _rows_by_number(table: Table, header: Header, number_key: str, wanted: tuple[str, ...]) -> dict[str, list[str]]:
    """The rows of a list by their number. In a problem list, a heading row (一、组织建设方面, merged
    across the sheet or alone in its first cell) is the category of the problems below it."""
    index_of = {key: i for i, key in header.columns.items()}
    found: dict[str, list[str]] = {}
    heading = ""
    position = 0
    for row in table.rows[header.row + 1:]:
        if not any(row) or _repeats_header(row, table, header.row):
            continue
        if "category" in wanted and (text := _heading_text(row, index_of)):
            heading = text
            continue
        position += 1
        i = index_of.get(number_key)
        number = row[i].strip() if i is not None and i < len(row) else str(position)
        values = [row[index_of[k]].strip() if k in index_of and index_of[k] < len(row) else "" for k in wanted]
        if "category" in wanted and not values[wanted.index("category")]:
            values[wanted.index("category")] = heading
        found[comparison_key(number)] = values
    return found


def _heading_text(row: list[str], index_of: dict[str, int]) -> str:
    """The text of a category heading row, or "": one text merged across the row, or a lone labelled
    short text outside the problem and measure cells (一、…方面 written in the first cell only)."""
    filled = {text for text in row if text}
    if len(filled) != 1:
        return ""
    text = next(iter(filled))
    if all(row):
        return text
    holders = {i for i, t in enumerate(row) if t}
    content = {index_of[k] for k in ("problem", "measure", "units", "lead_unit") if k in index_of}
    return text if not holders & content and _is_heading(text) else ""


def _repeats_header(row: list[str], table: Table, header_row: int) -> bool:
    """A header row repeated below (tables pasted together, a header repeated on each printed page)."""
    key = [comparison_key(t) for t in row]
    return sum(1 for k in key if k) >= 2 and any(
        key == [comparison_key(t) for t in table.rows[r]] for r in range(max(0, header_row - 1), header_row + 1))


def _read_table(table: Table, header: int, columns: dict[int, str], plan: PlanRead) -> None:
    index_of = {key: i for i, key in columns.items()}
    problem: PlanProblem | None = None
    category: int | None = len(plan.categories) - 1 if plan.categories else None
    by_key: dict[tuple[int | None, str], PlanProblem] = {}
    for offset, row in enumerate(table.rows[header + 1:], start=header + 2):
        number = offset if table.first_row == 1 else table.first_row + offset - 1

        def cell(key, row=row):
            i = index_of.get(key)
            return row[i].strip() if i is not None and i < len(row) else ""

        filled = {text for text in row if text}
        if not filled or _repeats_header(row, table, header):
            continue
        spans_row = all(row)  # one text merged across the whole row
        lone = not cell("measure") and not cell("units") and not cell("lead_unit")
        if len(filled) == 1 and (spans_row or (lone and _is_heading(next(iter(filled))))):
            text = next(iter(filled))
            label, title = split_label(text)
            plan.categories.append((label, title or text))
            category, problem = len(plan.categories) - 1, None
            continue
        if "category" in index_of and cell("category"):
            label, title = split_label(cell("category"))
            key = (label, title or cell("category"))
            if not plan.categories or plan.categories[-1] != key:
                plan.categories.append(key)
            category = len(plan.categories) - 1
        problem_text = cell("problem")
        measure_text = cell("measure")
        if problem_text:
            label, title = split_label(problem_text)
            if not label and (cell("number") or cell("problem_ref")):
                number_text = cell("number") or cell("problem_ref")
                label = f"{number_text}." if number_text.isdigit() else number_text
            title = title or problem_text
            key = (category, comparison_key(title))
            problem = by_key.get(key)
            if problem is None:
                problem = by_key[key] = PlanProblem(label=label, title=title, category=category)
                plan.problems.append(problem)
        elif problem is None and "problem" in index_of:
            plan.errors.append(PlanIssue(table.name, number, LABELS["problem"], _("The problem cell is empty.")))
            continue
        if "problem" not in index_of and problem is None:
            problem = PlanProblem(label="", title=measure_text[:60] or "—", category=category)
            plan.problems.append(problem)
        if not measure_text:
            if "measure" in index_of:
                plan.errors.append(PlanIssue(table.name, number, LABELS["measure"], _("The measure cell is empty.")))
            continue
        label, text = split_label(measure_text)
        deadline_text = cell("deadline")
        if deadline_text.lower() in _NONE_WORDS:
            deadline_text = ""
        deadline, kind, message = read_deadline(deadline_text, f"{measure_text} {cell('kind')}")
        if message:
            plan.errors.append(PlanIssue(table.name, number, LABELS["deadline"], message))
        lead_units = split_names(cell("lead_unit"))
        units = split_names(cell("units")) + split_names(cell("supporting"))
        leaders, persons = split_names(cell("leader")), split_names(cell("person"))
        if "leader" not in index_of:
            leaders, persons = persons, []
        problem.measures.append(PlanMeasure(
            table=table.name, row=number, label=label, text=text or measure_text, leaders=leaders,
            lead_units=lead_units, units=units, deadline=deadline, kind=kind, deadline_text=deadline_text,
            persons=persons,
        ))


def _is_heading(text: str) -> bool:
    """A lone labelled short line (一、政治建设方面) between the rows is a category heading."""
    label, _title = split_label(text)
    return bool(label) and len(text) <= 80


def split_names(text: str) -> list[str]:
    names = (_PHONE.sub(" ", n).strip() for n in _NAMES_SPLIT.split(text or ""))
    return [n for n in names if n and n.lower() not in _NONE_WORDS]


def read_deadline(text: str, wording: str) -> tuple[datetime.date | None, str, str]:
    """(deadline, kind, error message) from a 完成时限 cell such as 2026年6月底前, 2026-06-30, 长期坚持."""
    text = (text or "").strip()
    long_term = _LONG_TERM.search(text) or (not text and _LONG_TERM.search(wording))
    immediate = _IMMEDIATE.search(text) or _IMMEDIATE.search(wording)
    kind = (Measure.Kind.LONG_TERM if long_term and not _DATE_IN_TEXT.search(text) else
            Measure.Kind.IMMEDIATE if immediate else Measure.Kind.BY_DEADLINE)
    if not text or kind == Measure.Kind.LONG_TERM:
        return None, kind, ""
    match = _DATE_IN_TEXT.search(text)
    if match is None:
        if immediate:
            return None, kind, ""
        return None, kind, _("“%(value)s” is not a date; write e.g. 2026年6月30日, 2026年6月底前 or 长期坚持.") % {
            "value": text}
    day = read_date(_date_text(match))
    if day is None:
        return None, kind, _("“%(value)s” is not a valid date.") % {"value": text}
    if not DEADLINE_YEARS[0] <= day.year <= DEADLINE_YEARS[1]:
        return None, kind, _("“%(value)s” is not a plausible deadline: the year must be between %(first)s and "
                             "%(last)s.") % {"value": text, "first": DEADLINE_YEARS[0], "last": DEADLINE_YEARS[1]}
    return day, kind, ""


def _date_text(match: re.Match) -> str:
    g = match.groups()
    if g[0]:
        return f"{g[0]}年{g[1]}月{g[2]}日" if g[2] else f"{g[0]}年{g[1]}月"
    if g[3]:
        return f"{g[3]}-{g[4]}-{g[5]}" if g[5] else f"{g[3]}年{g[4]}月"
    return f"{g[6]}年底"


def plan_to_dict(plan: PlanRead) -> dict:
    """The plan as read, as JSON (a background check keeps it for the preview page)."""
    data = asdict(plan)
    for problem in data["problems"]:
        for measure in problem["measures"]:
            measure["deadline"] = measure["deadline"].isoformat() if measure["deadline"] else None
    return data


def plan_from_dict(data: dict) -> PlanRead:
    """The inverse of `plan_to_dict`."""
    def measure(m: dict) -> PlanMeasure:
        return PlanMeasure(**{**m, "deadline": datetime.date.fromisoformat(m["deadline"]) if m["deadline"] else None})

    return PlanRead(
        categories=[(label, title) for label, title in data["categories"]],
        problems=[PlanProblem(label=p["label"], title=p["title"], category=p["category"],
                              measures=[measure(m) for m in p["measures"]]) for p in data["problems"]],
        errors=[PlanIssue(**e) for e in data["errors"]], warnings=[PlanIssue(**w) for w in data["warnings"]],
        unplaced=data["unplaced"], columns=data["columns"], unread=data["unread"], headers=data["headers"],
    )
