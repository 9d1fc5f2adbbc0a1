"""The urging part of the demo: items at every level of the ladder, two letters, a group bot.

Called by `cases.demo.load_demo` once the case, its history and the working-day calendar are in.
Everything goes through the services: deadlines move with `services.change_deadline` (with a
reason, as an office would record it), letters are issued, acknowledged and answered with
`cases.urging.letters`. The two letters are of the past, so they are recorded without mail:

* one 督办函 to 县住房和城乡建设局, acknowledged the next working day and answered in writing;
* one 预警函 to the same unit, never answered, whose reply deadline has passed: the daily climb
  has issued the next letter level (a 督办函) about its still-open items.

The unit also has a 企业微信 group bot pointing at the local test receiver
(`python -m tests.cases.bot_receiver 8145`), so a weekly run or a new letter can be watched arriving.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import Membership, Unit, User

from .. import holidays, services
from ..models import Measure, NotificationChannel
from . import letters, levels
from .models import Document, Letter

BOT_UNIT = "县住房和城乡建设局"
BOT_URL = "http://127.0.0.1:8145/cgi-bin/webhook/send?key=demo"
DEADLINE_REASON = "按县委巡察整改办月调度安排调整完成时限。"
REPLY = ("收到督办函后,我局立即召开党组会议专题研究,逐项明确责任领导、责任科室和完成时限。"
         "截至目前,历史遗留问题已化解3件,其余2件已制定化解方案并报县政府审定,预计下月底前完成。"
         "相关会议纪要、化解台账已作为佐证材料上传。")


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def load(case, *, supervisor: User, principal_leader: User | None, today: datetime.date) -> dict:
    """Put the demo case's items at every ladder level and record the two letters. Returns what it made."""
    organisation = case.organisation
    if principal_leader and organisation.principal_leader_id is None:
        organisation.principal_leader = principal_leader
        organisation.save(update_fields=["principal_leader"])
    ladder = levels.ladder_for_case(case)
    if ladder is None:
        return {}
    levels.refresh(on=today)
    unit = Unit.objects.get(organisation=organisation, name=BOT_UNIT)
    liaison = User.objects.filter(memberships__unit=unit, memberships__role=Membership.UnitRole.LIAISON).first()

    # Every level of the ladder holds at least two of the case's items, the top one at least four
    # of the bot unit's (the letters' items). Items without a level move into the band they lack.
    spare = list(case.measures.ongoing().filter(urging_level__isnull=True, deadline__isnull=False)
                 .exclude(lead_unit=unit).order_by("pk"))
    spare_unit = list(Measure.objects.ongoing().filter(case=case, lead_unit=unit, deadline__isnull=False)
                      .exclude(urging_level__document=Document.SUPERVISION).order_by("pk"))
    for band in levels.bands(ladder, today):
        wanted = 2
        pool = spare
        if band.level.document == Document.SUPERVISION:
            wanted, pool = 4, spare_unit
            have = case.measures.ongoing().filter(lead_unit=unit, urging_level=band.level).count()
        else:
            have = case.measures.ongoing().filter(urging_level=band.level).count()
        for step in range(max(0, wanted - have)):
            if not pool:
                break
            measure = pool.pop(0)
            # The band is (after, upto]: a deadline a little inside it.
            deadline = band.upto - datetime.timedelta(days=3 * step)
            if band.after is not None and deadline <= band.after:
                deadline = band.upto
            services.change_deadline(measure=measure, new_deadline=deadline, reason=DEADLINE_REASON, by=supervisor)
    levels.refresh(on=today)

    top = next(b.level for b in levels.bands(ladder, today) if b.level.document == Document.SUPERVISION)
    below = ladder.levels.filter(rank__lt=top.rank).order_by("-rank").first()
    at_top = list(case.measures.ongoing().filter(lead_unit=unit, urging_level=top).select_related("lead_leader")
                  .order_by("deadline", "pk"))
    made = {"channel": NotificationChannel.objects.get_or_create(
        unit=unit, kind=NotificationChannel.Kind.WECOM,
        defaults={"name": "住建局整改工作群", "address": BOT_URL})[0]}
    if len(at_top) < 2 or liaison is None:
        return made

    # 1. A 督办函 at the top level, acknowledged the next working day, answered three working days later.
    issued = holidays.add_working_days(today, -12)
    answered = letters.issue(unit=unit, measures=at_top[:1], level=top, document=Document.SUPERVISION,
                             on=issued, notify=False)
    letters.acknowledge(letter=answered, by=liaison)
    letters.answer(letter=answered, by=liaison, reply=REPLY)
    Letter.objects.filter(pk=answered.pk).update(
        acknowledged_at=_at(holidays.add_working_days(issued, 1), 10),
        answered_at=_at(holidays.add_working_days(issued, 4), 16))

    # 2. A 预警函 issued by hand, never answered: past its reply deadline it climbed to a 督办函.
    issued = holidays.add_working_days(today, -9)
    warned = letters.issue(unit=unit, measures=at_top[1:], level=below, document=Document.WARNING,
                           on=issued, by=supervisor, reply_days=5, notify=False)
    climbed = letters.escalate_overdue(on=today, notify=False)
    made.update(answered=answered, escalated=Letter.objects.get(pk=warned.pk), climbed=climbed)
    return made
