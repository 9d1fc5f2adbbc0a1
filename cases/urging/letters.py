"""Numbered urging letters (督办函 / 预警函): issue, number, 签收, 反馈, and the climb when unanswered.

A letter goes to one unit about some of its items. It is issued automatically when items
reach a ladder level whose document is a letter (one letter per unit and level, only for
items no letter of that level has covered), or by a supervisor by hand with the items chosen.
Its number (文号) counts per issuing organisation, document kind and year:
青整督〔2027〕12号 for the twelfth 督办函 of 2027 of the organisation whose short name is 青整.
A letter not acknowledged, or acknowledged but not answered, by its reply deadline climbs:
the next letter level of the ladder is issued about the same items, and the first letter
records that it escalated.
"""

from __future__ import annotations

import datetime
import logging
import re

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import holidays
from .models import LETTER_DOCUMENTS, Document, LadderLevel, Letter, LetterEvidence

logger = logging.getLogger(__name__)

# The character of each document kind in the 文号 (青整督 / 青整预).
NUMBER_MARK = {Document.SUPERVISION: "督", Document.WARNING: "预"}
# The document's own name: the letter itself is always in Chinese, whatever the interface language.
DOCUMENT_WORD = {Document.SUPERVISION: "督办函", Document.WARNING: "预警函"}
ACK_SALT = "rectify.letter.ack"
ACK_MAX_AGE = 60 * 60 * 24 * 90  # a signed link in the mail works for 90 days


def number_of(organisation, document: str, year: int, serial: int) -> str:
    prefix = (organisation.short_name or organisation.name[:2]).strip()
    mark = NUMBER_MARK.get(document, "")
    if prefix.endswith(mark):
        mark = ""
    return f"{prefix}{mark}〔{year}〕{serial}号"


def _next_serial(organisation_id: int, document: str, year: int) -> int:
    last = Letter.objects.filter(organisation_id=organisation_id, document=document, year=year).aggregate(
        n=Max("serial"))["n"]
    return (last or 0) + 1


def issue(*, unit, measures, level: LadderLevel | None, document: str, on: datetime.date, by=None,
          reply_days: int | None = None, notify: bool = True) -> Letter:
    """Issue one letter to `unit` about `measures`; numbered, recipients recorded, queued for mail.

    `notify=False` records a letter without mailing it (a letter of the past, entered for the record).
    """
    measures = list(measures)
    if not measures:
        raise ValidationError(_("Choose at least one item for the letter."))
    if document not in LETTER_DOCUMENTS:
        raise ValidationError(_("Only warning and supervision letters are numbered letters."))
    if by is not None:
        from ..models import Measure

        if not by.has_perm("cases.issue_letter"):
            raise PermissionDenied(_("Only a supervisor may issue letters."))
        visible = set(Measure.objects.restrict(by).filter(pk__in=[m.pk for m in measures]).values_list("pk", flat=True))
        if visible != {m.pk for m in measures}:
            raise PermissionDenied(_("Some of these items are outside what you supervise."))
    organisation = unit.organisation
    reply_days = reply_days if reply_days is not None else (level.reply_days if level else 5)
    reply_by = holidays.add_working_days(on, reply_days)
    title = f"关于{unit.name}整改事项的{DOCUMENT_WORD[document]}"
    recipients = recipients_of(unit=unit, measures=measures, level=level)
    for attempt in range(5):
        serial = _next_serial(organisation.pk, document, on.year)
        try:
            with transaction.atomic():
                letter = Letter.objects.create(
                    organisation=organisation, unit=unit, level=level, document=document, year=on.year,
                    serial=serial, number=number_of(organisation, document, on.year, serial), title=title,
                    recipients="\n".join(recipients), issued_on=on, reply_by=reply_by, issued_by=by,
                )
                letter.measures.set(measures)
            break
        except IntegrityError:
            if attempt == 4:
                raise  # another issuer took the number five times running: give up loudly
    if notify:
        transaction.on_commit(lambda: _queue_mail(letter.pk))
    return letter


def issue_by_hand(*, unit, measure_ids, document: str, reply_days: int, by, on: datetime.date | None = None) -> Letter:
    """A supervisor's letter to `unit` about the chosen items: only ongoing items the unit leads or
    supports and the supervisor supervises; anything else is refused with the reason."""
    from ..models import Measure

    measure_ids = {int(pk) for pk in measure_ids}
    if not measure_ids:
        raise ValidationError({"measures": _("Choose at least one item for the letter.")})
    if not by.has_perm("cases.issue_letter"):
        raise PermissionDenied(_("Only a supervisor may issue letters."))
    items = list(Measure.objects.restrict(by).ongoing().for_units([unit.pk]).filter(pk__in=measure_ids)
                 .select_related("lead_leader").order_by("deadline", "pk"))
    if len(items) != len(measure_ids):
        raise ValidationError({"measures": _("Some of the chosen items are not ongoing items of %(unit)s that you "
                                             "supervise.") % {"unit": unit.name}})
    return issue(unit=unit, measures=items, level=None, document=document, on=on or timezone.localdate(), by=by,
                 reply_days=reply_days)


def _queue_mail(letter_id: int) -> None:
    from ..tasks import send_letter

    try:
        send_letter.delay(letter_id)
    except Exception:  # the letter stands; its unsent messages go with the next send of it
        logger.exception("Letter %s could not be queued for mail", letter_id)


def recipients_of(*, unit, measures, level: LadderLevel | None) -> list[str]:
    """E-mail addresses a letter goes to: the unit (its mailbox and liaisons), and by the level's
    flags its head, the items' lead leaders, the organisation's principal leader, and copies."""
    from accounts.models import Membership

    found: list[str] = []

    def add(address):
        address = (address or "").strip().lower()
        if address and address not in found:
            found.append(address)

    add(unit.email)
    for email in Membership.objects.filter(unit=unit, role=Membership.UnitRole.LIAISON, user__is_active=True) \
            .values_list("user__email", flat=True):
        add(email)
    if level is None or level.to_unit_head:
        add(unit.head.email if unit.head_id else "")
    if level is None or level.to_lead_leader:
        for m in measures:
            add(m.lead_leader.email if m.lead_leader_id else "")
    if level is not None and level.to_principal_leader and unit.organisation.principal_leader_id:
        add(unit.organisation.principal_leader.email)
    for address in (level.copies if level else []):
        add(address)
    return found


def issue_due(*, on: datetime.date) -> list[Letter]:
    """Issue the letters due today: per unit and letter level, the items at that level that no
    letter of that level has covered yet."""
    from ..models import Measure

    issued = []
    due = (Measure.objects.ongoing().filter(urging_level__document__in=LETTER_DOCUMENTS)
           .select_related("lead_unit__organisation__principal_leader", "lead_unit__head", "lead_leader",
                           "urging_level").order_by("lead_unit_id", "urging_level_id", "pk"))
    groups: dict[tuple[int, int], list] = {}
    for measure in due.exclude(letters__level=F("urging_level")):
        groups.setdefault((measure.lead_unit_id, measure.urging_level_id), []).append(measure)
    for (_unit_id, _level_id), items in groups.items():
        level = items[0].urging_level
        with transaction.atomic():
            issued.append(issue(unit=items[0].lead_unit, measures=items, level=level, document=level.document, on=on))
    return issued


def acknowledge(*, letter: Letter, by) -> Letter:
    """签收: the unit confirms it received the letter. Idempotent."""
    _check_unit_member(letter, by)
    updated = Letter.objects.filter(pk=letter.pk, state=Letter.State.ISSUED).update(
        state=Letter.State.ACKNOWLEDGED, acknowledged_at=timezone.now(), acknowledged_by=by)
    letter.refresh_from_db()
    if not updated and letter.state == Letter.State.ESCALATED:
        raise ValidationError(_("This letter has been escalated; acknowledge the new letter instead."))
    return letter


def answer(*, letter: Letter, by, reply: str, files=()) -> Letter:
    """反馈: the unit's written reply with evidence. Acknowledges the letter too if it was not yet."""
    from ..services import validate_evidence_files

    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": _("Write the reply.")})
    _check_unit_member(letter, by)
    if letter.state in (Letter.State.ANSWERED, Letter.State.ESCALATED):
        raise ValidationError(_("This letter has already been answered or escalated."))
    validate_evidence_files(files)
    now = timezone.now()
    with transaction.atomic():
        Letter.objects.filter(pk=letter.pk, acknowledged_at__isnull=True).update(acknowledged_at=now,
                                                                                 acknowledged_by=by)
        Letter.objects.filter(pk=letter.pk).update(state=Letter.State.ANSWERED, reply=reply, answered_at=now,
                                                   answered_by=by)
        for f in files:
            LetterEvidence.objects.create(letter=letter, file=f, original_name=f.name[:255], size=f.size)
    letter.refresh_from_db()
    return letter


def _check_unit_member(letter: Letter, user) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Sign in to answer this letter."))
    if letter.unit_id not in user.unit_ids and not user.is_superuser:
        raise PermissionDenied(_("Only the unit the letter is addressed to may acknowledge or answer it."))


def escalate_overdue(*, on: datetime.date, notify: bool = True) -> list[Letter]:
    """Letters past their reply deadline and not answered climb one letter level (same items)."""
    climbed = []
    for letter in Letter.objects.overdue(on).select_related("level__ladder", "unit__organisation"):
        next_level = _next_letter_level(letter)
        with transaction.atomic():
            if not Letter.objects.filter(pk=letter.pk, state__in=[Letter.State.ISSUED,
                                                                  Letter.State.ACKNOWLEDGED]).exists():
                continue
            items = list(letter.measures.ongoing().select_related("lead_leader"))
            if not items:
                Letter.objects.filter(pk=letter.pk).update(state=Letter.State.ANSWERED,
                                                           reply=_("All items completed before the reply."))
                continue
            document = next_level.document if next_level else Document.SUPERVISION
            new = issue(unit=letter.unit, measures=items, level=next_level or letter.level, document=document,
                        on=on, notify=notify)
            Letter.objects.filter(pk=letter.pk).update(state=Letter.State.ESCALATED, escalated_to=new)
            climbed.append(new)
    return climbed


def _next_letter_level(letter: Letter) -> LadderLevel | None:
    if letter.level is None:
        return None
    return (LadderLevel.objects.filter(ladder_id=letter.level.ladder_id, rank__gt=letter.level.rank)
            .order_by("rank").first())


# --- Signed acknowledgement links (in the mail) -------------------------------------------


def ack_token(letter: Letter, email: str) -> str:
    return signing.dumps({"l": letter.pk, "e": email}, salt=ACK_SALT, compress=True)


def ack_url(letter: Letter, email: str) -> str:
    return f"{settings.SITE_URL}{reverse('cases:letter-ack-link', args=[ack_token(letter, email)])}"


def letter_from_token(token: str) -> tuple[Letter, str]:
    try:
        data = signing.loads(token, salt=ACK_SALT, max_age=ACK_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(_("This link has expired; open the letter in Rectify to acknowledge it.")) from None
    except signing.BadSignature:
        raise ValidationError(_("This link is not valid.")) from None
    return Letter.objects.select_related("unit").get(pk=data["l"]), data["e"]


def acknowledge_by_link(*, token: str) -> Letter:
    """签收 from the mail: the signed link names the letter and the address it was sent to."""
    letter, email = letter_from_token(token)
    if email not in letter.recipients.split("\n"):
        raise ValidationError(_("This link is not valid."))
    from accounts.models import User

    user = User.objects.filter(email__iexact=email, is_active=True, memberships__unit=letter.unit).first()
    updated = Letter.objects.filter(pk=letter.pk, state=Letter.State.ISSUED).update(
        state=Letter.State.ACKNOWLEDGED, acknowledged_at=timezone.now(), acknowledged_by=user)
    letter.refresh_from_db()
    if not updated and letter.state == Letter.State.ESCALATED:
        raise ValidationError(_("This letter has been escalated; acknowledge the new letter instead."))
    return letter


# --- The document --------------------------------------------------------------------------


def _standing(items, on: datetime.date) -> str:
    """How the letter's items stand, in the letter's words: all overdue, none, or how many of each."""
    overdue = sum(1 for m in items if m.deadline and m.deadline < on)
    if overdue == len(items):
        return "已逾期"
    if not overdue:
        return "临近完成时限"
    return f"中，{overdue}项已逾期、{len(items) - overdue}项临近完成时限"


def letter_paragraphs(letter: Letter) -> list[tuple[str, str]]:
    from ..models import Measure

    kind = DOCUMENT_WORD[letter.document]
    items = Measure.objects.filter(letters=letter).select_related("case").order_by("deadline", "pk")
    on = letter.issued_on
    paragraphs = [
        ("issuer", f"{letter.organisation.name}整改工作办公室"),
        ("number", letter.number),
        ("title", f"关于{letter.unit.name}整改事项的{kind}"),
        ("addressee", f"{letter.unit.name}："),
        ("body", f"截至{on.year}年{on.month}月{on.day}日，你单位承担的以下{len(items)}项整改事项"
                 f"{_standing(items, on)}，现予{'督办' if letter.document == Document.SUPERVISION else '预警'}。"
                 "请高度重视，逐项落实整改责任，加快推进，并于"
                 f"{letter.reply_by.year}年{letter.reply_by.month}月{letter.reply_by.day}日前"
                 "书面反馈整改进展情况及佐证材料。"),
    ]
    for i, m in enumerate(items, start=1):
        deadline = f"完成时限{m.deadline.year}年{m.deadline.month}月{m.deadline.day}日" if m.deadline else "长期坚持"
        days = m.days_overdue(on)
        overdue = f"，已逾期{days}天" if days else ""
        text = re.sub(r"[。；;]$", "", m.text)
        paragraphs.append(("body", f"{i}.{m.label}{text}（{m.case.title}；{deadline}{overdue}）。"))
    paragraphs += [
        ("body", "逾期未签收或未反馈的，将按规定升级督办。"),
        ("signature", f"{letter.organisation.name}整改工作办公室"),
        ("signature", f"{on.year}年{on.month}月{on.day}日"),
    ]
    return paragraphs


def letter_docx(letter: Letter) -> bytes:
    from ..officialdoc import official_docx

    office = f"{letter.organisation.name}整改工作办公室"
    return official_docx(letter_paragraphs(letter), title=letter.number, author=letter.organisation.name,
                         signature_gap_before=office)


def letter_filename(letter: Letter) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", f"{letter.number}-{letter.unit.name}")[:100] + ".docx"


def letter_message(letter: Letter, email: str):
    """The mail of a letter to one recipient: the text, the .docx, and a signed 签收 link."""
    from ..delivery import Attachment, Message

    paragraphs = letter_paragraphs(letter)
    url = f"{settings.SITE_URL}{letter.get_absolute_url()}"
    ack = ack_url(letter, email)
    body = "\n\n".join(text for _style, text in paragraphs)
    text = (f"{body}\n\n" + _("Acknowledge receipt (签收): %(ack)s") % {"ack": ack} + "\n"
            + _("Reply with text and evidence: %(url)s") % {"url": url} + "\n")
    summary = (f"**{letter.number}** · {letter.unit.name}\n"
               + _("%(n)d items; reply by %(date)s") % {"n": letter.measures.count(),
                                                        "date": letter.reply_by.isoformat()}
               + f"\n[{_('Acknowledge')}]({ack}) · [{_('Open the letter')}]({url})")
    return Message(
        subject=f"【{DOCUMENT_WORD[letter.document]}】{letter.number} {letter.title}", text=text, summary=summary,
        sms=f"【整改台账】{letter.number}:{letter.title},请于{letter.reply_by}前反馈。{url}",
        url=url, colour=letter.level.colour if letter.level else "red",
        attachments=(Attachment(letter_filename(letter), letter_docx(letter),
                                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),),
    )


def delivery_slots(letter: Letter) -> list:
    """Each recipient address of the letter, and each active group bot of its unit."""
    from ..delivery import outbox

    found = [outbox.Slot.for_mail(email, letter=letter) for email in letter.recipients.split("\n") if email.strip()]
    channels = letter.unit.channels.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    found += [outbox.Slot.for_channel(pk, email=letter.unit.email or "", letter=letter) for pk in channels]
    return found


def send(letter: Letter) -> int:
    """Send the letter to each recipient and the unit's group bots not yet served; returns how many
    were sent now.

    Every message is a `LetterDelivery` row reserved and claimed through `cases.delivery.outbox`
    (the same guards, and the same deployment-wide rate, as the reminders), so running this again
    — a retried task, a task queued twice — sends only what is still unsent. When a message meets
    a temporary failure the others still go; the first such error is raised afterwards for the
    task to retry, and the retry sends only the failed ones.
    """
    from ..delivery import RETRYABLE, outbox
    from .models import LetterDelivery

    ids = outbox.reserve(LetterDelivery, delivery_slots(letter))
    sent, retry = 0, None
    for pk in ids:
        try:
            sent += outbox.deliver(LetterDelivery, pk,
                                   message_for=lambda row: letter_message(letter, row.recipient_email))
        except RETRYABLE as exc:
            retry = retry or exc
        except Exception:  # recorded failed on its row (a wrong address or webhook); retrying will not help
            logger.exception("Letter %s: delivery %s failed", letter.pk, pk)
    if retry is not None:
        raise retry
    return sent
