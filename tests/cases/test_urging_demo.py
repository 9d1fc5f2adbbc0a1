"""The demo's urging part: every ladder level populated, the two letters, the group bot.

One test, since loading the demo is the slow part.
"""

from django.core.management import call_command

from cases.demo import DEMO_TITLE
from cases.models import Case, NotificationChannel
from cases.urging import levels
from cases.urging.demo import BOT_UNIT, BOT_URL
from cases.urging.models import Document, Letter


def test_the_demo_has_every_level_two_letters_and_a_group_bot(db):
    call_command("load_demo")
    case = Case.objects.get(title=DEMO_TITLE)
    ladder = levels.ladder_for_case(case)
    for level in ladder.levels.all():
        assert case.measures.ongoing().filter(urging_level=level).count() >= 2, level.name
    assert case.organisation.principal_leader.username == "leader_li"

    answered = Letter.objects.get(state=Letter.State.ANSWERED)
    assert answered.document == Document.SUPERVISION and answered.unit.name == BOT_UNIT
    assert answered.acknowledged_at < answered.answered_at and answered.reply
    assert answered.acknowledged_by.username == "staff"
    escalated = Letter.objects.get(state=Letter.State.ESCALATED)
    assert escalated.document == Document.WARNING and escalated.issued_by.username == "supervisor"
    assert escalated.acknowledged_at is None and escalated.answered_at is None
    climbed = escalated.escalated_to
    assert climbed.document == Document.SUPERVISION and climbed.state == Letter.State.ISSUED
    assert set(climbed.measures.all()) == set(escalated.measures.ongoing())
    assert climbed.number.startswith("青整督〔")
    assert Letter.objects.count() == 3

    channel = NotificationChannel.objects.get(unit__name=BOT_UNIT)
    assert channel.kind == NotificationChannel.Kind.WECOM and channel.address == BOT_URL and channel.is_active
