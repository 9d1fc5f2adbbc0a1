"""Test data factories. Measures are created directly (as fixtures, not as behaviour under test)."""

from __future__ import annotations

import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Membership, Organisation, OrganisationMembership, Unit, User
from accounts.scoping import forget_scope
from cases.models import Case, Issue, Measure

DEFAULT_ORGANISATION = "测试县"


def default_organisation() -> Organisation:
    """The organisation of every factory object that names none: a single root, so a supervisor
    of it reads everything, as in a one-county deployment."""
    organisation, _ = Organisation.objects.get_or_create(
        name=DEFAULT_ORGANISATION, parent=None, defaults={"kind": Organisation.Kind.COUNTY}
    )
    return organisation


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试组织{n}")
    kind = Organisation.Kind.COUNTY


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    organisation = factory.LazyFunction(default_organisation)
    name = factory.Sequence(lambda n: f"测试单位{n}")
    email = factory.Sequence(lambda n: f"unit{n}@example.cn")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw-test-123")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def units(self, create, extracted, **kwargs):
        for unit in extracted or []:
            Membership.objects.create(user=self, unit=unit)
        self.save()

    @factory.post_generation
    def organisations(self, create, extracted, **kwargs):
        """Supervisors and administrators supervise the default organisation unless told which."""
        if extracted is None:
            extracted = [default_organisation()] if self.groups.filter(name__in=["supervisor", "admin"]).exists() \
                else []
        for organisation in extracted:
            OrganisationMembership.objects.get_or_create(user=self, organisation=organisation)
        forget_scope(self)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    organisation = factory.LazyFunction(default_organisation)
    title = factory.Sequence(lambda n: f"测试县委巡视整改{n}")
    inspected_body = "中共测试县委"
    inspection_team = "省委第一巡视组"
    feedback_on = datetime.date(2026, 1, 10)
    rectification_deadline = datetime.date(2026, 7, 10)


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issue

    case = factory.SubFactory(CaseFactory)
    kind = Issue.Kind.PROBLEM
    label = factory.Sequence(lambda n: f"{n}.")
    title = factory.Sequence(lambda n: f"问题{n}")
    position = factory.Sequence(lambda n: n)


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    issue = factory.SubFactory(IssueFactory)
    case = factory.SelfAttribute("issue.case")
    text = factory.Sequence(lambda n: f"整改措施{n}:建立健全制度")
    lead_unit = factory.SubFactory(UnitFactory)
    deadline = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))
    original_deadline = factory.SelfAttribute("deadline")
    kind = Measure.Kind.BY_DEADLINE


def signoff_chain(*steps, case=None, evidence="optional", name=None, default=False):
    """A sign-off chain of `steps` — each a signer kind ("org_supervisors", "lead_unit_head", …),
    a (kind, title) pair, or a list of users (a "named people" step) — given to `case` if any.
    An int n stands for n steps signed by the 整改办 (the old "n signatures")."""
    from cases.signoff.models import SignoffChain, SignoffStep

    if len(steps) == 1 and isinstance(steps[0], int):
        steps = ["org_supervisors"] * steps[0]
    chain = SignoffChain.objects.create(name=name or f"测试流程{SignoffChain.objects.count() + 1}",
                                        evidence=evidence, is_default=default)
    for position, spec in enumerate(steps, 1):
        if isinstance(spec, (list, tuple)) and spec and not isinstance(spec[0], str):
            step = SignoffStep.objects.create(chain=chain, position=position, title=f"第{position}步",
                                              signer="named")
            step.people.set(spec)
            continue
        kind, title = (spec, f"第{position}步") if isinstance(spec, str) else spec
        SignoffStep.objects.create(chain=chain, position=position, title=title, signer=kind)
    if case is not None:
        case.signoff_chain = chain
        case.save()
    return chain
