"""A fictional demo province in the genre of the published notices, written for Rectify.

青岚省 follows two counties it inspected: 青禾县 (the main demo case) and 白溪县 (a second,
smaller one with its own 县财政局). Both counties and everyone in them are invented. The
cases are built through the same services as real work, so their progress log, sign-offs
and history look like the real thing; only the timestamps are then spread over the past weeks so the trend has a shape.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organisation, OrganisationMembership, Role, Unit, User

from . import notify, services
from .calendar.demo import load_demo_calendar
from .models import Case, Issue, Measure, ProgressUpdate, SignOff, SignoffChain, SignoffStep
from .signoff import eligibility
from .states import State
from .tree import TreeWriter

DEMO_TITLE = "中共青禾县委关于市委第三巡察组巡察反馈意见整改落实情况"
DEMO_TITLE_B = "中共白溪县委关于省委第二巡视组巡视反馈意见整改落实情况"
DEMO_PASSWORD = "rectify-demo"
PROVINCE = "青岚省"
COUNTY = "青禾县"
COUNTY_B = "白溪县"

# The second county: its own units (a 县财政局 too: unit names are unique per organisation only).
UNITS_B = [
    ("县委办公室", "party", "xwb@baixi.example.cn"),
    ("县财政局", "government", "czj@baixi.example.cn"),
    ("县自然资源局", "government", "zrzy@baixi.example.cn"),
]
LIAISONS_B = ["林静", "宋晨", "唐磊"]
LEADERS_B = [("b_leader_lin", "林国栋", "县委书记"), ("b_leader_xu", "许文", "县长")]
TREE_B = [
    ("落实党中央决策部署方面", [
        ("耕地保护责任落实不到位", 2, 1),
        ("财政资金使用绩效不高", 1, 1),
    ]),
    ("全面从严治党方面", [
        ("基层监督覆盖不全", 0, 0),
        ("财务报销制度执行不严", 1, 1),
    ]),
]

UNITS = [
    ("县委办公室", "party", "xwb@qinghe.example.cn"),
    ("县纪委监委", "party", "jw@qinghe.example.cn"),
    ("县委组织部", "party", "zzb@qinghe.example.cn"),
    ("县委宣传部", "party", "xcb@qinghe.example.cn"),
    ("县发展和改革局", "government", "fgj@qinghe.example.cn"),
    ("县财政局", "government", "czj@qinghe.example.cn"),
    ("县住房和城乡建设局", "government", "zjj@qinghe.example.cn"),
    ("县生态环境分局", "government", "sthj@qinghe.example.cn"),
]
SUB_UNITS = [("县住建局城建监察大队", "县住房和城乡建设局"), ("县财政局国库科", "县财政局")]

LIAISONS = ["刘洋", "张敏", "黄磊", "吴婷", "徐志远", "马晓丽", "何俊", "郭佳"]
# 青禾县's unit heads (责任单位负责人, step 1 of its chain): (username, name); the 住建局's signs in.
HEADS = [("head_xwb", "罗文"), ("head_jw", "韩冰"), ("head_zzb", "曹阳"), ("head_xcb", "彭涛"),
         ("head_fgj", "谢军"), ("head_czj", "邹平"), ("unit_head", "郑国强"), ("head_sthj", "潘玉")]
# 青禾县's four-step sign-off chain (对账销号), with the demo people at each step.
CHAIN_NAME = "青禾县四级审核(责任单位负责人→牵头领导→整改办→主要领导)"
CHAIN_STEPS = [
    ("责任单位负责人", "lead_unit_head"),
    ("牵头领导", "lead_leader"),
    ("县委巡察整改办", "org_supervisors"),
    ("县委主要领导", "principal_leader"),
]
DEMO_SIGNERS = ("unit_head", "leader_zhou", "supervisor", "leader_li")

LEADERS = [
    ("leader_li", "李建国", "县委书记"),
    ("leader_zhao", "赵明", "县委副书记、县长"),
    ("leader_sun", "孙丽华", "县委常委、纪委书记"),
    ("leader_qian", "钱卫东", "县委常委、组织部部长"),
    ("leader_zhou", "周海涛", "副县长"),
]

# (category title, [(problem title, lead unit index, leader index), …])
TREE = [
    ("落实党的理论路线方针政策和上级重大决策部署方面", [
        ("理论学习中心组学习不够深入系统", 0, 1),
        ("贯彻新发展理念有差距,产业结构调整推进缓慢", 4, 1),
        ("乡村振兴衔接政策落实不够到位", 4, 4),
        ("生态环境保护责任落实不够有力", 7, 4),
        ("重点项目建设推进不力,部分项目进度滞后", 4, 1),
        ("意识形态工作责任制落实有差距", 3, 1),
        ("防范化解政府债务风险力度不够", 5, 1),
        ("城乡建设领域历史遗留问题化解较慢", 6, 4),
    ]),
    ("落实全面从严治党战略部署方面", [
        ("主体责任压得不够实,传导压力层层递减", 0, 1),
        ("监督责任履行不够到位,执纪问责偏宽偏软", 1, 2),
        ("违反中央八项规定精神问题仍有发生", 1, 2),
        ("形式主义官僚主义问题仍然存在", 0, 1),
        ("财政资金管理使用不规范", 5, 1),
        ("工程建设领域监管存在漏洞", 6, 4),
        ("政府采购程序执行不严格", 5, 1),
        ("公务用车管理不够规范", 0, 1),
        ("巡察整改督促不够有力", 1, 2),
        ("群众身边腐败和作风问题治理不够深入", 1, 2),
    ]),
    ("落实新时代党的组织路线方面", [
        ("领导班子建设有待加强", 2, 3),
        ("干部队伍结构不够合理", 2, 3),
        ("选人用人工作不够规范", 2, 3),
        ("基层党组织建设存在薄弱环节", 2, 3),
        ("党员教育管理不够严格", 2, 3),
        ("人才引进培养机制不够健全", 2, 3),
    ]),
    ("巡察、审计等监督发现问题整改方面", [
        ("上轮巡察反馈问题整改不彻底", 1, 2),
        ("审计发现问题整改跟踪不到位", 5, 1),
        ("信访反映问题办理不够及时", 0, 1),
        ("历史欠账问题清理进度缓慢", 5, 1),
        ("制度建设存在短板", 0, 1),
        ("整改成果运用不够充分", 1, 2),
    ]),
]

# {topic} is a whole problem title, quoted, so no sentence cuts a word in half.
MEASURE_TEMPLATES = [
    "制定专项整改方案,明确责任清单、任务清单和时限清单,逐项推进“{topic}”问题整改。",
    "针对“{topic}”问题开展专项排查,建立问题台账,对排查发现的问题实行销号管理。",
    "围绕“{topic}”问题完善相关制度,修订出台管理办法,从制度上堵塞漏洞、防止反弹。",
    "加强督促检查,将“{topic}”问题整改情况纳入年度考核,对整改不力的单位和个人严肃问责。",
]
NOTES = [
    "已召开专题会议研究部署,制定整改方案。",
    "已完成第一轮排查,建立问题台账{n}项。",
    "已整改到位{n}项,其余正按计划推进。",
    "已修订完善相关制度{n}项并印发执行。",
    "已开展专项督查,督促相关单位落实整改。",
]


@transaction.atomic
def load_demo(*, today: datetime.date | None = None, seed: int = 2026) -> tuple[Case, bool]:
    """Create the demo once; a second call returns the existing 青禾县 case and False."""
    existing = Case.objects.filter(title=DEMO_TITLE).first()
    if existing:
        return existing, False
    with notify.silenced():
        return _load(today=today, seed=seed)


def _load(*, today, seed) -> tuple[Case, bool]:
    today = today or timezone.localdate()
    rng = random.Random(seed)

    province = _organisation(PROVINCE, Organisation.Kind.PROVINCE, None, "青巡", "xsb@qinglan.example.cn")
    county = _organisation(COUNTY, Organisation.Kind.COUNTY, province, "青整", "zgb@qinghe.example.cn")
    county_b = _organisation(COUNTY_B, Organisation.Kind.COUNTY, province, "白整", "zgb@baixi.example.cn")

    _user("admin", "系统管理员", "整改办", role=Role.ADMIN, login=True, superuser=True)
    inspector = _user("province", "冯立新", "省委巡视办副主任", role=Role.SUPERVISOR, login=True,
                      email_domain="qinglan.example.cn")
    _supervise(inspector, province)
    supervisor = _user("supervisor", "王晓燕", "县委巡察整改办主任", role=Role.SUPERVISOR, login=True)
    supervisor2 = _user("supervisor2", "陈志强", "县委督查室主任", role=Role.SUPERVISOR, login=True)
    for person in (supervisor, supervisor2):
        _supervise(person, county)
    supervisor_b = _user("supervisor_b", "邓雪梅", "县委巡视整改办主任", role=Role.SUPERVISOR, login=True,
                         email_domain="baixi.example.cn")
    _supervise(supervisor_b, county_b)

    chain = SignoffChain.objects.create(
        name=CHAIN_NAME, evidence=SignoffChain.Evidence.REQUIRED,
        description="演示:青禾县的整改事项须依次经责任单位负责人、牵头领导、县委巡察整改办、县委主要领导签字后销号。",
    )
    for position, (title, signer) in enumerate(CHAIN_STEPS, 1):
        SignoffStep.objects.create(chain=chain, position=position, title=title, signer=signer)
    case = _county_case(
        county, UNITS, SUB_UNITS, LEADERS, LIAISONS, {6: "staff", 5: "staff2"}, TREE, "qinghe.example.cn",
        dict(title=DEMO_TITLE, inspected_body="中共青禾县委", inspection_team="市委第三巡察组", kind=Case.Kind.CIRCUIT,
             signoff_chain=chain),
        supervisor, supervisor2, rng, today, feedback_days=120, username_prefix="", heads=HEADS,
    )
    _county_case(
        county_b, UNITS_B, [], LEADERS_B, LIAISONS_B, {1: "staff_b"}, TREE_B, "baixi.example.cn",
        dict(title=DEMO_TITLE_B, inspected_body="中共白溪县委", inspection_team="省委第二巡视组",
             kind=Case.Kind.INSPECTION),
        supervisor_b, supervisor_b, rng, today, feedback_days=90, username_prefix="b_",
    )
    load_demo_calendar()
    # Items at every urging level, two letters and a group bot (cases.urging.demo).
    from .urging import demo as urging_demo

    urging_demo.load(case, supervisor=supervisor, principal_leader=User.objects.filter(username="leader_li").first(),
                     today=today)
    # Look-backs, outcome figures and the leaders' reports (cases.reports.demo).
    from .reports import demo as reports_demo

    reports_demo.load(case, supervisor=supervisor, today=today,
                      staff=list(User.objects.filter(memberships__unit__organisation=county).distinct()))
    return case, True


def _county_case(organisation, unit_specs, sub_units, leader_specs, liaisons, logins, tree, domain, case_values,
                 supervisor, supervisor2, rng, today, *, feedback_days, username_prefix, heads=None) -> Case:
    """One county's units, people, case, tree and history, built through the services.

    With `heads`, every unit gets its own head (who signs step 1 of the chain), the leaders are
    the county's leaders (they read it, and sign as lead leaders), and the first leader is its
    principal leader (主要领导)."""
    units = []
    for name, kind, email in unit_specs:
        unit, _ = Unit.objects.get_or_create(organisation=organisation, name=name,
                                             defaults={"kind": kind, "email": email})
        units.append(unit)
    for name, parent_name in sub_units:
        parent = Unit.objects.get(organisation=organisation, name=parent_name)
        Unit.objects.get_or_create(organisation=organisation, name=name,
                                   defaults={"kind": "government", "parent": parent})

    leaders = [_user(u, n, t, email_domain=domain, login=heads is not None and u in DEMO_SIGNERS)
               for u, n, t in leader_specs]
    if heads is None:
        for unit, leader in zip(units[:5], leaders, strict=False):
            if unit.head_id is None:
                unit.head = leader
                unit.save(update_fields=["head"])
    else:
        for unit, (username, name) in zip(units, heads, strict=True):
            head = _user(username, name, f"{unit.name}负责人", role=Role.STAFF, login=username in DEMO_SIGNERS,
                         email_domain=domain)
            Membership.objects.get_or_create(user=head, unit=unit, defaults={"role": Membership.UnitRole.HEAD})
            unit.head = head
            unit.save(update_fields=["head"])
        for leader in leaders:
            OrganisationMembership.objects.get_or_create(user=leader, organisation=organisation,
                                                         defaults={"role": OrganisationMembership.OrgRole.LEADER})
        organisation.principal_leader = leaders[0]
        organisation.save(update_fields=["principal_leader"])
    staff_users = []
    for i, unit in enumerate(units):
        username = logins.get(i, f"{username_prefix}liaison{i + 1}")
        user = _user(username, liaisons[i], f"{unit.name}整改联络员", role=Role.STAFF, login=i in logins,
                     email_domain=domain)
        Membership.objects.get_or_create(user=user, unit=unit, defaults={"role": Membership.UnitRole.LIAISON})
        staff_users.append(user)

    feedback = today - datetime.timedelta(days=feedback_days)
    case = Case.objects.create(
        organisation=organisation, **case_values,
        inspection_start=feedback - datetime.timedelta(days=150),
        inspection_end=feedback - datetime.timedelta(days=90), feedback_on=feedback,
        rectification_deadline=feedback + datetime.timedelta(days=180),
        description="演示数据:青岚省、青禾县、白溪县均为虚构地名,所有单位、人员与数据均为虚构。",
    )
    writer = TreeWriter(case)
    planned = []
    chinese = "一二三四五六七八九十"
    for c, (category, problems) in enumerate(tree):
        group = writer.add_issue(kind=Issue.Kind.GROUP, label=f"({chinese[c]})", title=category)
        for p, (title, unit_index, leader_index) in enumerate(problems):
            problem = writer.add_issue(parent=group, kind=Issue.Kind.PROBLEM, label=f"{p + 1}.", title=title,
                                       text=f"巡察反馈指出:{title}。")
            topic = title
            count = 3 if (c + p) % 3 else 2
            for k in range(count):
                kind = rng.choice([Measure.Kind.IMMEDIATE, Measure.Kind.BY_DEADLINE, Measure.Kind.BY_DEADLINE,
                                   Measure.Kind.LONG_TERM])
                deadline = feedback + datetime.timedelta(days=rng.randrange(30, 240))
                supporting = [units[(unit_index + 1 + k) % len(units)]] if k == 1 else []
                planned.append(writer.add_measure(
                    issue=problem, text=MEASURE_TEMPLATES[k % len(MEASURE_TEMPLATES)].format(topic=topic),
                    label=f"{chinese[k]}是", lead_unit=units[unit_index], lead_leader=leaders[leader_index],
                    supporting_units=supporting, kind=kind, deadline=deadline,
                ))
    writer.write()
    measures = [new.measure for new in planned]
    _play_history(measures, units, staff_users, supervisor, supervisor2, rng, today)
    _spread_in_time(case, today, rng)
    services.refresh_issue_states(case.pk)
    return case


def _organisation(name, kind, parent, short_name, email) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        name=name, parent=parent, defaults={"kind": kind, "short_name": short_name, "email": email},
    )
    return organisation


def _supervise(user: User, organisation: Organisation) -> None:
    OrganisationMembership.objects.get_or_create(
        user=user, organisation=organisation, defaults={"role": OrganisationMembership.OrgRole.SUPERVISOR},
    )


def _user(username, name, title, *, role=None, login=False, superuser=False,
          email_domain="qinghe.example.cn") -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"name": name, "title": title, "email": f"{username}@{email_domain}",
                                     "is_staff": True, "is_superuser": superuser},
    )
    if created:
        if login:
            user.set_password(DEMO_PASSWORD)
        else:
            user.set_unusable_password()
        user.save()
        if role:
            from django.contrib.auth.models import Group

            user.groups.add(Group.objects.get(name=role))
    return user


def _play_history(measures, units, staff_users, supervisor, supervisor2, rng, today) -> None:
    """Walk each measure to a target state through the real services."""
    problem_targets = ([State.COMPLETED] * 12 + [State.PHASED] * 6 + [State.IN_PROGRESS] * 6
                       + [State.SUBMITTED] * 3 + [State.PLANNED] + [State.RELAPSED] * 2)
    rng.shuffle(problem_targets)
    by_problem = {}
    for measure in measures:
        by_problem.setdefault(measure.issue_id, len(by_problem))
    unit_staff = {unit.pk: user for unit, user in zip(units, staff_users, strict=True)}
    for i, measure in enumerate(measures):
        target = problem_targets[by_problem[measure.issue_id] % len(problem_targets)]
        if target == State.IN_PROGRESS and measure.label == "一是":
            target = State.PHASED  # measures of one problem rarely move in lockstep
        staff = unit_staff[measure.lead_unit_id]
        note = NOTES[i % len(NOTES)].format(n=rng.randrange(2, 12))
        if target == State.PLANNED:
            continue
        services.transition_measure(measure=measure, to_state=State.IN_PROGRESS, by=staff, note=NOTES[0])
        if target == State.IN_PROGRESS:
            services.log_progress(measure=measure, by=staff, note=note)
            continue
        if target == State.PHASED:
            services.transition_measure(measure=measure, to_state=State.PHASED, by=staff, note=note)
            continue
        request = _submit(measure, staff, note, i)
        if target == State.SUBMITTED:
            _sign_steps(measure, supervisor, limit=i % 4)  # left waiting at each of the steps
            continue
        if i % 7 == 0:  # some went back once before they passed, at the office's step or earlier
            _sign_steps(measure, supervisor, limit=i % 3)
            signer = _signer(measure, supervisor)
            services.transition_measure(measure=measure, to_state=State.IN_PROGRESS, by=signer,
                                        note="佐证材料不够完整,请补充整改前后对比材料。")
            request = _submit(measure, staff, "已补充佐证材料。", i + 1)
        del request
        _sign_steps(measure, supervisor)
        if target == State.RELAPSED:
            services.transition_measure(measure=measure, to_state=State.RELAPSED, by=supervisor2,
                                        note="回头看发现问题有反弹迹象,重新整改。")


def _demo_file(name: str, text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def _submit(measure: Measure, staff: User, note: str, i: int):
    """Ask for sign-off with the evidence a chained case requires (a short text file in the demo)."""
    files = [_demo_file(f"整改佐证材料-{measure.pk}-{i}.txt", f"{measure}\n{note}\n(演示佐证材料)")] \
        if eligibility.evidence_required(measure.case) else []
    return services.transition_measure(measure=measure, to_state=State.SUBMITTED, by=staff, note=note, files=files)


def _signer(measure: Measure, fallback: User) -> User:
    """Who signs the item's current step in the demo: the office's own supervisor where they may,
    else the first person the step names."""
    step = next(s for s in eligibility.steps_of(measure.case) if s.position == measure.signoff_step)
    signed = set(SignOff.objects.filter(measure=measure, round=measure.signoff_round).values_list("by_id", flat=True))
    people = [u for u in eligibility.signers_of(measure, step)
              if u.pk != measure.signoff_requested_by_id and u.pk not in signed]
    return next((u for u in people if u.pk == fallback.pk), people[0] if people else fallback)


def _sign_steps(measure: Measure, supervisor: User, limit: int | None = None) -> None:
    """Sign the item's chain step by step (all of it, or `limit` steps), each by its own signer."""
    done = 0
    while measure.state == State.SUBMITTED and (limit is None or done < limit):
        steps = eligibility.steps_of(measure.case)
        if limit is not None and measure.signoff_step == steps[-1].position:
            return  # leave the last step unsigned: the item stays waiting
        services.transition_measure(measure=measure, to_state=State.COMPLETED, by=_signer(measure, supervisor),
                                    note="经核查,同意销号。" if measure.signoff_step == steps[-1].position
                                    else "经核查,情况属实,同意报送下一环节。")
        done += 1


def _spread_in_time(case: Case, today: datetime.date, rng: random.Random) -> None:
    """Move the logged events back over the weeks since feedback, keeping each measure's order."""
    start = timezone.make_aware(datetime.datetime.combine(case.feedback_on, datetime.time(9)))
    span = (timezone.make_aware(datetime.datetime.combine(today, datetime.time(9))) - start).total_seconds()
    # The measures were written down at feedback, before any of their history: an item never
    # reported on lags from then, and a 长期坚持 item silent all last period lags (回头看).
    case.measures.update(created_at=start)
    for measure in case.measures.all():
        updates = list(measure.progress_updates.order_by("created_at", "pk"))
        if not updates:
            continue
        offsets = sorted(rng.uniform(0.05, 0.97) for _ in updates)
        for update, offset in zip(updates, offsets, strict=True):
            update.created_at = start + datetime.timedelta(seconds=span * offset)
        ProgressUpdate.objects.bulk_update(updates, ["created_at"])
        for signoff in SignOff.objects.filter(progress__in=updates).select_related("progress"):
            SignOff.objects.filter(pk=signoff.pk).update(created_at=signoff.progress.created_at)
        last = updates[-1].created_at
        completed = last if measure.state == State.COMPLETED else None
        requests = [u.created_at for u in updates if u.action == "submit"]
        requested_on = timezone.localdate(requests[-1]) if requests else None
        Measure.objects.filter(pk=measure.pk).update(last_progress_at=last, completed_at=completed,
                                                     signoff_requested_on=requested_on)
