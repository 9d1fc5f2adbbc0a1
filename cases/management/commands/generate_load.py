"""Build a deterministic synthetic province for benchmarks and load tests.

Everything is inserted with bulk_create in batches: a province (2,000 cases, 400,000
measures, 1,000,000 progress updates) would take hours through the services one row at a
time. What the services would have kept consistent is therefore computed here, in bulk:

- tree paths of units and issues (inserted level by level with the parent's path as a
  prefix, then one UPDATE per batch appends each row's own id);
- each measure's state is reached by a legal sequence of actions (cases.states), logged as
  progress updates with from/to states, sign-off records and signatures per round;
- version = 1 + number of progress updates (every service write bumps it once);
- last_progress_at = time of the last update, completed_at = time of the final approval;
- issue states rolled up with cases.states.roll_up exactly as refresh_issue_states does.

Organisations: a province (基准省) with counties, departments and state enterprises below it,
and townships under some counties. Every case, unit and measure stays inside one organisation
(a case's units are its organisation's), the province keeps a few cases of its own, and every
organisation below the province has a supervisor (`load_orgsup<n>`, its 整改办) so benchmarks
measure a county supervisor beside the province's (`load_supervisor<n>`).

The same --seed and --today give the same data. Simple-history rows are not generated.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from accounts.models import Membership, Organisation, OrganisationMembership, Role, Unit, User
from cases import figures
from cases.demo import MEASURE_TEMPLATES as DEMO_MEASURE_TEMPLATES
from cases.demo import NOTES as DEMO_NOTES
from cases.models import Case, Issue, Measure, ProgressUpdate, SignOff, SignoffChain, SignoffStep
from cases.states import Action, State, roll_up

LOAD_PASSWORD = "rectify-load"
USER_PREFIX = "load_"

CITIES = ["东川", "西岭", "南湖", "北原", "青山", "白河", "金沙", "玉泉", "石门", "云台", "松江", "柳城", "临海",
          "安平"]
DEPARTMENTS = [
    "发展和改革委员会", "教育局", "科技局", "工业和信息化局", "公安局", "民政局", "司法局", "财政局",
    "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局",
    "商务局", "文化和旅游局", "卫生健康委员会", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
    "林业局", "信访局", "国有资产监督管理委员会", "纪委监委", "组织部", "宣传部", "统战部", "政法委",
]
COUNTY_NAMES = ["东川县", "西岭县", "南湖区", "北原县", "青山县", "白河县", "金沙县", "玉泉区", "石门县", "云台县",
                "松江区", "柳城县", "临海县", "安平县"]
TOWNSHIP_NAMES = ["城关镇", "河西乡", "桥头镇", "新民乡", "白沙镇", "龙泉乡", "石桥镇", "东风乡"]
ENTERPRISES = ["交通投资集团", "能源集团", "水务集团", "城建投资集团", "农业发展集团", "文旅集团", "建工集团"]
FAMILY = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红海燕玉兰晓东文斌宇浩凯鹏辉"
CATEGORIES = [
    "落实党的理论路线方针政策和党中央重大决策部署方面",
    "落实全面从严治党战略部署方面",
    "落实新时代党的组织路线方面",
    "落实意识形态工作责任制方面",
    "巡视、审计等监督发现问题整改方面",
    "防范化解重大风险方面",
]
PROBLEM_TOPICS = [
    "理论学习中心组学习不够深入系统", "贯彻新发展理念有差距", "重点项目建设推进缓慢", "生态环境保护责任落实不够有力",
    "政府债务风险防范化解力度不够", "主体责任压得不够实", "监督责任履行不够到位", "违反中央八项规定精神问题仍有发生",
    "形式主义官僚主义问题仍然存在", "财政资金管理使用不规范", "工程建设领域监管存在漏洞", "政府采购程序执行不严格",
    "选人用人工作不够规范", "基层党组织建设存在薄弱环节", "上轮巡视反馈问题整改不彻底", "审计发现问题整改跟踪不到位",
    "信访反映问题办理不够及时", "国有资产管理存在漏洞", "安全生产隐患排查整治不到位", "惠民政策落实打折扣",
]
# The demo's wording, plus a few more so a province's log does not repeat every fifth line.
MEASURE_TEMPLATES = [
    *DEMO_MEASURE_TEMPLATES,
    "组织召开专题会议研究“{topic}”问题整改工作,压实领导责任和部门责任。",
]
NOTES = [
    *DEMO_NOTES,
    "本周完成现场核查{n}处,整改进度符合预期。",
    "已追回违规资金{n}万元,相关人员已作处理。",
]
SEND_BACK_NOTE = "佐证材料不够完整,请补充整改前后对比材料。"
REOPEN_NOTE = "回头看发现问题有反弹迹象,重新整改。"
CHINESE = "一二三四五六七八九十"

# (state, weight) when the deadline has passed / not yet passed. Most past-deadline items
# are done; the ongoing remainder is the "overdue" share a province typically carries.
STATES_PAST = [(State.COMPLETED, 72), (State.SUBMITTED, 6), (State.PHASED, 9), (State.IN_PROGRESS, 8),
               (State.RELAPSED, 2), (State.PLANNED, 3)]
STATES_FUTURE = [(State.COMPLETED, 22), (State.SUBMITTED, 8), (State.PHASED, 20), (State.IN_PROGRESS, 33),
                 (State.RELAPSED, 2), (State.PLANNED, 15)]
STATES_NO_DEADLINE = [(State.COMPLETED, 10), (State.PHASED, 40), (State.IN_PROGRESS, 45), (State.PLANNED, 5)]


@dataclass
class PlannedMeasure:
    case: int
    problem: int  # index of the problem within its case
    kind: str
    deadline: datetime.date | None
    state: str
    lead_unit: int
    supporting: list[int]
    actions: list[str] = field(default_factory=list)


def _weighted(rng: random.Random, table):
    states, weights = zip(*table, strict=True)
    return rng.choices(states, weights)[0]


def min_actions(state: str, required: int) -> list[str]:
    """The shortest legal way from planned to `state` (see cases.states.RULES)."""
    if state == State.PLANNED:
        return []
    if state == State.IN_PROGRESS:
        return [Action.START]
    if state == State.PHASED:
        return [Action.PHASE]
    if state == State.SUBMITTED:
        return [Action.SUBMIT]
    approvals = [Action.APPROVE] * required
    if state == State.COMPLETED:
        return [Action.SUBMIT, *approvals]
    return [Action.SUBMIT, *approvals, Action.REOPEN]


def expand_actions(actions: list[str], extra: int, rng: random.Random) -> list[str]:
    """Spend `extra` more updates: the usual intermediate steps first, then a send-back, then notes."""
    actions = list(actions)
    if extra and actions and actions[0] in (Action.PHASE, Action.SUBMIT):
        actions.insert(0, Action.START)
        extra -= 1
    if extra and Action.SUBMIT in actions and Action.PHASE not in actions:
        actions.insert(actions.index(Action.SUBMIT), Action.PHASE)
        extra -= 1
    if extra >= 2 and Action.SUBMIT in actions and rng.random() < 0.15:
        at = actions.index(Action.SUBMIT)
        actions[at:at] = [Action.SUBMIT, Action.SEND_BACK]
        extra -= 2
    for _ in range(extra):
        # Notes follow the first step (the plan is made before anyone reports on it).
        actions.insert(rng.randint(1 if actions else 0, len(actions)), Action.NOTE)
    return actions


class Command(BaseCommand):
    help = "Generate a deterministic synthetic province with bulk inserts (for benchmarks and load tests)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=2000)
        parser.add_argument("--units", type=int, default=2000)
        parser.add_argument("--problems", type=int, default=100_000, help="problem-level issues")
        parser.add_argument("--measures", type=int, default=400_000)
        parser.add_argument("--progress", type=int, default=1_000_000, help="progress updates (at least what the "
                                                                            "states need)")
        parser.add_argument("--supervisors", type=int, default=20, help="supervisors of the province")
        parser.add_argument("--organisations", type=int, default=None,
                            help="organisations below the province (default: one per 40 cases, at least 2)")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None,
                            help="date the data is generated as of (default: today); fixes the output with --seed")

    def handle(self, *args, **o):
        for name in ("cases", "units", "problems", "measures", "supervisors", "batch_size"):
            if o[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1")
        if o["progress"] < 0:
            raise CommandError("--progress cannot be negative")
        if o["problems"] < o["cases"]:
            raise CommandError("--problems must be at least --cases (every case has a problem)")
        if o["measures"] < o["problems"]:
            raise CommandError("--measures must be at least --problems (every problem has a measure)")
        if o["organisations"] is not None and o["organisations"] < 0:
            raise CommandError("--organisations cannot be negative")
        if o["supervisors"] < 4:
            raise CommandError("--supervisors must be at least 4 (some cases need four signatures)")
        if User.objects.filter(username__startswith=USER_PREFIX).exists():
            raise CommandError("Synthetic data is already present (users named load_…): use a fresh database.")
        generator = Generator(
            seed=o["seed"], today=o["today"] or timezone.localdate(), batch_size=o["batch_size"],
            out=self.stdout.write,
        )
        started = time.perf_counter()
        with transaction.atomic():
            rows = generator.run(
                cases=o["cases"], units=o["units"], problems=o["problems"], measures=o["measures"],
                progress=o["progress"], supervisors=o["supervisors"],
                organisations=o["organisations"] if o["organisations"] is not None else max(2, o["cases"] // 40),
            )
        # Bulk inserts bypass the services that keep the dashboard figures: count them once.
        t = time.perf_counter()
        snapshots = figures.backfill_trend(on=generator.today)
        figures.refresh_all(on=generator.today)
        self.stdout.write(f"dashboard figures and {snapshots:,} weekly snapshots: {time.perf_counter() - t:.1f} s")
        elapsed = time.perf_counter() - started
        total = sum(rows.values())
        for table, n in rows.items():
            self.stdout.write(f"  {table:<32} {n:>10,}")
        self.stdout.write(self.style.SUCCESS(
            f"Generated {total:,} rows in {elapsed:.1f} s ({total / max(elapsed, 1e-9):,.0f} rows/s)."
        ))


class Generator:
    def __init__(self, *, seed: int, today: datetime.date, batch_size: int, out=print):
        self.rng = random.Random(seed)
        self.today = today
        self.tz = timezone.get_current_timezone()
        self.now = datetime.datetime.combine(today, datetime.time(18), tzinfo=self.tz)
        self.batch_size = batch_size
        self.out = out
        self.rows: dict[str, int] = defaultdict(int)

    # --- helpers ---------------------------------------------------------------------

    def _insert(self, model, objs: list) -> list:
        """bulk_create in batches; returns the objects with their primary keys set."""
        for start in range(0, len(objs), self.batch_size):
            model.objects.bulk_create(objs[start:start + self.batch_size], batch_size=self.batch_size)
        self.rows[model._meta.db_table] += len(objs)
        return objs

    def _insert_tree_level(self, model, objs: list) -> None:
        """Insert one level of a path tree whose `path` holds the parent's prefix, then append ids."""
        self._insert(model, objs)
        for start in range(0, len(objs), self.batch_size):
            pks = [o.pk for o in objs[start:start + self.batch_size]]
            model.objects.filter(pk__in=pks).update(
                path=Concat(F("path"), Cast("pk", output_field=CharField()), Value("/"))
            )
        for obj in objs:
            obj.path = f"{obj.path}{obj.pk}/"

    def _person(self) -> str:
        return self.rng.choice(FAMILY) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2))))

    def _split(self, total: int, parts: int, *, minimum: int = 1, sigma: float = 0.6) -> list[int]:
        """Split `total` into `parts` positive counts with a skew (a few big cases, many small)."""
        weights = [self.rng.lognormvariate(0, sigma) for _ in range(parts)]
        spare = total - minimum * parts
        scale = spare / sum(weights)
        counts = [minimum + int(w * scale) for w in weights]
        for i in self.rng.sample(range(parts), total - sum(counts)) if total > sum(counts) else []:
            counts[i] += 1
        return counts

    # --- the province ------------------------------------------------------------------

    def run(self, *, cases, units, problems, measures, progress, supervisors, organisations=2) -> dict[str, int]:
        t = time.perf_counter()
        self.organisation, _ = Organisation.objects.get_or_create(
            name="基准省", parent=None, defaults={"kind": Organisation.Kind.PROVINCE})
        self.organisations = self._organisations(organisations)
        unit_objs = self._units(units)
        people = self._people(unit_objs, supervisors, cases)
        self.out(f"units and people: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        case_objs = self._cases(cases)
        plans = self._plan_measures(case_objs, unit_objs, problems, measures)
        self._plan_progress(plans, case_objs, progress)
        self.out(f"planned {len(plans):,} measures: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        by_case = defaultdict(list)
        for plan in plans:
            by_case[plan.case].append(plan)
        chunk, size = [], 0
        for case_index in range(len(case_objs)):
            chunk.append(case_index)
            size += len(by_case[case_index])
            if size >= self.batch_size or case_index == len(case_objs) - 1:
                self._write_cases(chunk, case_objs, by_case, unit_objs, people)
                chunk, size = [], 0
        self.out(f"issues, measures and progress: {time.perf_counter() - t:.1f} s")
        return dict(self.rows)

    def _organisations(self, count: int) -> list[Organisation]:
        """The province first, then `count` bodies below it: counties (six in ten, each third one with
        two townships below it), departments and state enterprises. Built with save() (a few dozen
        rows), so their paths are what the admin would write."""
        orgs = [self.organisation]
        counties = departments = enterprises = 0
        for i in range(count):
            slot = i % 10
            if slot < 6:
                name = COUNTY_NAMES[counties % len(COUNTY_NAMES)]
                if counties >= len(COUNTY_NAMES):
                    name = f"{name[:-1]}{counties // len(COUNTY_NAMES) + 1}{name[-1]}"
                counties += 1
                county = self._organisation(name, Organisation.Kind.COUNTY, self.organisation, len(orgs))
                orgs.append(county)
                if counties % 3 == 1:
                    for k in range(2):
                        orgs.append(self._organisation(TOWNSHIP_NAMES[(counties + k) % len(TOWNSHIP_NAMES)],
                                                       Organisation.Kind.TOWNSHIP, county, len(orgs)))
            elif slot < 9:
                departments += 1
                name = f"省{DEPARTMENTS[(departments - 1) % len(DEPARTMENTS)]}"
                if departments > len(DEPARTMENTS):
                    name += str(departments // len(DEPARTMENTS) + 1)
                orgs.append(self._organisation(name, Organisation.Kind.DEPARTMENT, self.organisation, len(orgs)))
            else:
                enterprises += 1
                name = f"省{ENTERPRISES[(enterprises - 1) % len(ENTERPRISES)]}"
                if enterprises > len(ENTERPRISES):
                    name += str(enterprises // len(ENTERPRISES) + 1)
                orgs.append(self._organisation(name, Organisation.Kind.ENTERPRISE, self.organisation, len(orgs)))
        # How much each holds: a few big counties, many small bodies; the province keeps a little.
        self.org_weights = [0.5] + [self.rng.lognormvariate(0, 0.5) * (0.5 if o.kind == Organisation.Kind.TOWNSHIP
                                                                       else 1.0) for o in orgs[1:]]
        return orgs

    def _organisation(self, name: str, kind: str, parent: Organisation, n: int) -> Organisation:
        org, created = Organisation.objects.get_or_create(
            name=name, parent=parent,
            defaults={"kind": kind, "short_name": name[:2] + "整改办", "email": f"org{n}@load.example.cn"})
        self.rows[Organisation._meta.db_table] += int(created)
        return org

    def _units(self, count: int) -> list[Unit]:
        rng = self.rng
        specs = []  # (name, kind, parent index or None)
        names = set()

        def unique(name: str) -> str:
            base, n = name, 1
            while name in names:
                n += 1
                name = f"{base}{CHINESE[n % 10]}{n}"
            names.add(name)
            return name

        orgs = self.organisations
        roots = min(count, max(count // 20, 3 * len(orgs)))
        # Each organisation gets root units in proportion to its weight (at least one).
        root_org = list(range(len(orgs)))
        for _ in range(roots - len(orgs)):
            root_org.append(self.rng.choices(range(len(orgs)), self.org_weights)[0])
        root_org = root_org[:roots]
        org_of: list[int] = []
        for i in range(count):
            if i < roots:
                org = orgs[root_org[i]]
                org_of.append(root_org[i])
                if org.kind in (Organisation.Kind.COUNTY, Organisation.Kind.TOWNSHIP):
                    name, kind = f"{org.name}{rng.choice(DEPARTMENTS)}", Unit.Kind.GOVERNMENT
                elif i % 3 == 2:
                    name, kind = f"省{rng.choice(ENTERPRISES)}", Unit.Kind.ENTERPRISE
                elif i % 3 == 1:
                    name, kind = f"{rng.choice(CITIES)}市人民政府", Unit.Kind.GOVERNMENT
                else:
                    name, kind = f"省{rng.choice(DEPARTMENTS)}", Unit.Kind.GOVERNMENT
                specs.append((unique(name), kind, None, 0))
                continue
            parent = rng.randrange(i)
            while specs[parent][3] >= 2:  # at most three levels, as provinces organise them
                parent = specs[parent][2]
            org_of.append(org_of[parent])
            pname = specs[parent][0]
            depth = specs[parent][3] + 1
            if depth == 1:
                name, kind = f"{pname}{rng.choice(CITIES)}县{rng.choice(DEPARTMENTS)}", Unit.Kind.GOVERNMENT
            else:
                name, kind = f"{pname}{rng.choice('甲乙丙丁戊')}{rng.choice(('科', '镇', '所', '中心'))}", rng.choice(
                    [Unit.Kind.TOWNSHIP, Unit.Kind.INSTITUTION, Unit.Kind.GOVERNMENT])
            specs.append((unique(name[:190]), kind, parent, depth))
        objs: list[Unit | None] = [None] * count
        for depth in range(3):
            level = []
            for i, (name, kind, parent, d) in enumerate(specs):
                if d != depth:
                    continue
                prefix = objs[parent].path if parent is not None else "/"
                objs[i] = Unit(organisation=orgs[org_of[i]], name=name, short_name=name[-12:], kind=kind,
                               path=prefix,
                               parent_id=objs[parent].pk if parent is not None else None,
                               email=f"unit{i + 1}@load.example.cn")
                level.append(objs[i])
            self._insert_tree_level(Unit, level)
        self.units_of_org = defaultdict(list)
        for i, o in enumerate(org_of):
            self.units_of_org[o].append(i)
        return objs

    def _people(self, units: list[Unit], supervisors: int, cases: int) -> dict:
        """One liaison per unit (a second in a third of them), leaders, supervisors and an admin."""
        password = make_password(LOAD_PASSWORD)  # hashed once: hashing per user would dominate
        rng = self.rng
        users, memberships, groups = [], [], []
        liaison_of: dict[int, int] = {}
        for i, unit in enumerate(units):
            for k in range(2 if rng.random() < 0.33 else 1):
                users.append(User(username=f"{USER_PREFIX}staff{i + 1}" + (f"_{k + 1}" if k else ""),
                                  name=self._person(), title=f"{unit.name[-20:]}整改联络员", password=password,
                                  email=f"{USER_PREFIX}staff{i + 1}_{k}@load.example.cn", is_staff=True))
                memberships.append((len(users) - 1, unit, Membership.UnitRole.LIAISON))
                groups.append((len(users) - 1, Role.STAFF))
                if k == 0:
                    liaison_of[unit.pk] = len(users) - 1
        leader_count = max(5, min(len(units) // 4, cases * 3))
        leader_start = len(users)
        for i in range(leader_count):
            users.append(User(username=f"{USER_PREFIX}leader{i + 1}", name=self._person(),
                              title=rng.choice(["副省长", "市委书记", "市长", "副市长", "厅长", "局长", "董事长"]),
                              password=password, email=f"{USER_PREFIX}leader{i + 1}@load.example.cn", is_staff=True))
        sup_start = len(users)
        for i in range(supervisors):
            users.append(User(username=f"{USER_PREFIX}supervisor{i + 1}", name=self._person(), title="省委巡视整改办",
                              password=password, email=f"{USER_PREFIX}supervisor{i + 1}@load.example.cn",
                              is_staff=True))
            groups.append((len(users) - 1, Role.SUPERVISOR))
        # Each organisation below the province has its own 整改办: one supervisor reading it and
        # everything under it (a county's supervisor also reads its townships).
        org_sup_start = len(users)
        for n, org in enumerate(self.organisations[1:], start=1):
            users.append(User(username=f"{USER_PREFIX}orgsup{n}", name=self._person(), title=f"{org.name}整改办",
                              password=password, email=f"{USER_PREFIX}orgsup{n}@load.example.cn", is_staff=True))
            groups.append((len(users) - 1, Role.SUPERVISOR))
        users.append(User(username=f"{USER_PREFIX}admin", name="系统管理员", password=password, is_staff=True,
                          email=f"{USER_PREFIX}admin@load.example.cn"))
        groups.append((len(users) - 1, Role.ADMIN))
        self._insert(User, users)
        self._insert(Membership, [Membership(user_id=users[u].pk, unit_id=unit.pk, role=role)
                                  for u, unit, role in memberships])
        group_ids = dict(Group.objects.filter(name__in=[r.value for r in Role]).values_list("name", "pk"))
        missing = {r for _, r in groups} - set(group_ids)
        if missing:
            raise CommandError(f"Groups {sorted(missing)} are missing: run migrate first.")
        through = User.groups.through
        self._insert(through, [through(user_id=users[u].pk, group_id=group_ids[r]) for u, r in groups])
        self._insert(OrganisationMembership, [
            *(OrganisationMembership(user_id=u.pk, organisation=self.organisation)
              for u in users[sup_start:sup_start + supervisors]),
            *(OrganisationMembership(user_id=users[org_sup_start + n].pk, organisation=org)
              for n, org in enumerate(self.organisations[1:])),
        ])
        return {
            "liaison": {unit_pk: users[i].pk for unit_pk, i in liaison_of.items()},
            "leaders": [u.pk for u in users[leader_start:sup_start]],
            "supervisors": [u.pk for u in users[sup_start:sup_start + supervisors]],
        }

    def _chains(self) -> dict[int, SignoffChain | None]:
        """Chains of 2 and 4 signatures by the 整改办 (四签制); one signature needs no chain."""
        chains: dict[int, SignoffChain | None] = {1: None}
        for required in (2, 4):
            chain, created = SignoffChain.objects.get_or_create(name=f"{required}签（整改办）")
            if created:
                SignoffStep.objects.bulk_create([
                    SignoffStep(chain=chain, position=n, title=f"第{n}签", signer=SignoffStep.Signer.ORG_SUPERVISORS)
                    for n in range(1, required + 1)])
            chains[required] = chain
        return chains

    @staticmethod
    def _required(case: Case) -> int:
        return len(case.signoff_chain.ordered_steps()) if case.signoff_chain_id else 1

    def _cases(self, count: int) -> list[Case]:
        rng = self.rng
        objs = []
        chains = self._chains()
        kinds = [Case.Kind.INSPECTION] * 5 + [Case.Kind.CIRCUIT] * 3 + [Case.Kind.AUDIT, Case.Kind.ENVIRONMENT]
        # Only organisations with units can rectify; every such organisation gets a case first.
        holders = [o for o in range(len(self.organisations)) if self.units_of_org[o]]
        weights = [self.org_weights[o] for o in holders]
        owners = holders[:count] + rng.choices(holders, weights, k=max(0, count - len(holders)))
        self.case_org = []
        for i in range(count):
            org = self.organisations[owners[i]]
            self.case_org.append(owners[i])
            feedback = self.today - datetime.timedelta(days=rng.randrange(20, 3 * 365))
            if org.kind == Organisation.Kind.TOWNSHIP:
                body, team = org.name, f"{org.parent.name}委第{CHINESE[rng.randrange(10)]}巡察组"
            elif org.kind == Organisation.Kind.PROVINCE:
                body = f"{rng.choice(CITIES)}{rng.choice(('市', '县', '区'))}{rng.choice(DEPARTMENTS)}"
                team = f"省委第{CHINESE[rng.randrange(10)]}巡视组"
            else:
                body = org.name if rng.random() < 0.5 else f"{org.name}{rng.choice(DEPARTMENTS)}"
                team = f"省委第{CHINESE[rng.randrange(10)]}巡视组"
            start = feedback - datetime.timedelta(days=rng.randrange(60, 150))
            objs.append(Case(
                organisation=org,
                title=f"关于{team}反馈意见整改落实情况（{body}，第{i + 1}号）", inspected_body=body,
                inspection_team=team, kind=rng.choice(kinds), inspection_start=start,
                inspection_end=start + datetime.timedelta(days=rng.randrange(20, 60)), feedback_on=feedback,
                rectification_deadline=feedback + datetime.timedelta(days=180),
                signoff_chain=chains[rng.choices((1, 2, 4), (85, 12, 3))[0]],
            ))
        return self._insert(Case, objs)

    def _plan_measures(self, cases, units, problems, measures) -> list[PlannedMeasure]:
        rng = self.rng
        problems_per_case = self._split(problems, len(cases))
        # Measures follow problems: split over problems globally with a lighter skew.
        per_problem = self._split(measures, problems, sigma=0.5)
        plans = []
        p = 0
        kinds = [Measure.Kind.IMMEDIATE] * 25 + [Measure.Kind.BY_DEADLINE] * 55 + [Measure.Kind.LONG_TERM] * 20
        for c, case in enumerate(cases):
            pool = self.units_of_org[self.case_org[c]]  # a case's units are its organisation's
            involved = rng.sample(pool, min(len(pool), rng.randint(5, 40)))
            age = (self.today - case.feedback_on).days
            for problem in range(problems_per_case[c]):
                for _ in range(per_problem[p]):
                    kind = rng.choice(kinds)
                    if kind == Measure.Kind.IMMEDIATE:
                        deadline = case.feedback_on + datetime.timedelta(days=rng.randrange(15, 61))
                    elif kind == Measure.Kind.BY_DEADLINE:
                        deadline = case.feedback_on + datetime.timedelta(days=rng.randrange(60, 366))
                    else:
                        deadline = (None if rng.random() < 0.5
                                    else case.feedback_on + datetime.timedelta(days=rng.randrange(365, 731)))
                    if deadline is None:
                        state = _weighted(rng, STATES_NO_DEADLINE)
                    elif deadline < self.today:
                        state = _weighted(rng, STATES_PAST)
                    else:
                        state = _weighted(rng, STATES_FUTURE)
                    if age < 45 and state == State.COMPLETED and rng.random() < 0.7:
                        state = State.IN_PROGRESS  # a young case has little signed off yet
                    lead = rng.choice(involved)
                    supporting = []
                    if rng.random() < 0.3:
                        others = [u for u in involved if u != lead]
                        supporting = rng.sample(others, min(len(others), rng.choice((1, 1, 2))))
                    plans.append(PlannedMeasure(c, problem, kind, deadline, state, lead, supporting))
                p += 1
        return plans

    def _plan_progress(self, plans, cases, progress: int) -> None:
        rng = self.rng
        for plan in plans:
            plan.actions = min_actions(plan.state, self._required(cases[plan.case]))
        needed = sum(len(p.actions) for p in plans)
        if progress < needed:
            self.out(f"--progress {progress:,} is below the {needed:,} updates the states need; using {needed:,}.")
        extra = [0] * len(plans)
        for _ in range(max(0, progress - needed)):
            extra[rng.randrange(len(plans))] += 1
        for plan, k in zip(plans, extra, strict=True):
            if k:
                plan.actions = expand_actions(plan.actions, k, rng)

    def _write_cases(self, chunk, cases, by_case, units, people) -> None:
        rng = self.rng
        # Issue tree: categories → problems → (one in ten) two sub-problems; measures sit on
        # the leaves. Positions number the whole tree in reading order, as the importer does.
        groups, problems, details = [], [], []
        layout = {}  # case index → [(group, [(problem index, has details)])]
        for c in chunk:
            count = max(p.problem for p in by_case[c]) + 1
            n_groups = min(count, rng.randint(3, 6))
            layout[c] = [(g, [(p, rng.random() < 0.1) for p in range(count) if p * n_groups // count == g])
                         for g in range(n_groups)]
        group_of, problem_of, leaves, position = {}, {}, {}, defaultdict(int)

        def place(c):
            position[c] += 1
            return position[c]

        for c in chunk:
            for g, members in layout[c]:
                group_of[(c, g)] = Issue(case_id=cases[c].pk, kind=Issue.Kind.GROUP, label=f"（{CHINESE[g]}）",
                                         title=CATEGORIES[g % len(CATEGORIES)], position=place(c), path="/")
                groups.append(group_of[(c, g)])
                for p, _has_details in members:
                    title = rng.choice(PROBLEM_TOPICS)
                    problem_of[(c, p)] = Issue(
                        case_id=cases[c].pk, kind=Issue.Kind.PROBLEM, label=f"{p + 1}.", title=title,
                        text=f"巡视反馈指出:{title}。", position=place(c),
                    )
                    position[c] += 2 if _has_details else 0  # room for its sub-problems
        self._insert_tree_level(Issue, groups)
        for c in chunk:
            for g, members in layout[c]:
                for p, _has_details in members:
                    problem_of[(c, p)].parent_id = group_of[(c, g)].pk
                    problem_of[(c, p)].path = group_of[(c, g)].path
                    problems.append(problem_of[(c, p)])
        self._insert_tree_level(Issue, problems)
        for c in chunk:
            for _g, members in layout[c]:
                for p, has_details in members:
                    problem = problem_of[(c, p)]
                    if not has_details:
                        leaves[(c, p)] = [problem]
                        continue
                    leaves[(c, p)] = [
                        Issue(case_id=problem.case_id, parent_id=problem.pk, kind=Issue.Kind.DETAIL,
                              label=f"（{k + 1}）", title=f"{problem.title}（具体表现{k + 1}）",
                              position=problem.position + 1 + k, path=problem.path) for k in range(2)
                    ]
                    details.extend(leaves[(c, p)])
        self._insert_tree_level(Issue, details)

        measure_objs, supporting, plan_of = [], [], []
        leaders = people["leaders"]
        for c in chunk:
            case_leaders = [leaders[(c * 7 + k) % len(leaders)] for k in range(3)]
            counter = defaultdict(int)
            for n, plan in enumerate(by_case[c]):
                options = leaves[(c, plan.problem)]
                issue = options[counter[plan.problem] % len(options)]
                counter[plan.problem] += 1
                topic = issue.title
                measure_objs.append(Measure(
                    case_id=cases[c].pk, issue_id=issue.pk, position=n + 1,
                    label=f"{CHINESE[(counter[plan.problem] - 1) % 10]}是",
                    text=MEASURE_TEMPLATES[n % len(MEASURE_TEMPLATES)].format(topic=topic),
                    lead_leader_id=rng.choice(case_leaders), lead_unit_id=units[plan.lead_unit].pk, kind=plan.kind,
                    deadline=plan.deadline, original_deadline=plan.deadline, state=State.PLANNED,
                ))
                plan_of.append((plan, issue))
        # Progress, computed before the insert so the measure row carries its final values.
        timelines = []
        for obj, (plan, _issue) in zip(measure_objs, plan_of, strict=True):
            timelines.append(self._timeline(obj, plan, cases[plan.case]))
            if obj.state == State.SUBMITTED:
                obj.signoff_requested_by_id = people["liaison"][obj.lead_unit_id]
        self._insert(Measure, measure_objs)
        through = Measure.supporting_units.through
        for obj, (plan, _issue) in zip(measure_objs, plan_of, strict=True):
            supporting.extend(through(measure_id=obj.pk, unit_id=units[u].pk) for u in plan.supporting)
        self._insert(through, supporting)

        updates, signoffs = [], []
        for obj, (plan, _issue), timeline in zip(measure_objs, plan_of, timelines, strict=True):
            staff = people["liaison"][obj.lead_unit_id]
            sups = rng.sample(people["supervisors"], self._required(cases[plan.case]))
            signer = 0
            for action, at, old, new, rnd in timeline:
                by_supervisor = action in (Action.APPROVE, Action.SEND_BACK, Action.REOPEN)
                author = (sups[signer % len(sups)] if action == Action.APPROVE
                          else rng.choice(people["supervisors"]) if by_supervisor else staff)
                if action == Action.APPROVE:
                    signer += 1
                note = self._note(action)
                update = ProgressUpdate(measure_id=obj.pk, author_id=author, created_at=at, action=action,
                                        note=note, from_state=old, to_state=new)
                updates.append(update)
                if by_supervisor:
                    signoffs.append((update, action, author, rnd, signer if action == Action.APPROVE else None))
                if action == Action.SUBMIT:
                    signer = 0
        self._insert(ProgressUpdate, updates)
        self._insert(SignOff, [SignOff(measure_id=u.measure_id, by_id=author, decision=action, comment=u.note,
                                       round=rnd, step=step, created_at=u.created_at, progress_id=u.pk)
                               for u, action, author, rnd, step in signoffs])
        # Roll issue states up from the leaves, as refresh_issue_states does per case.
        states: dict[int, set[str]] = defaultdict(set)
        for obj in measure_objs:
            states[obj.issue_id].add(obj.state)
        changed = defaultdict(list)
        for issue in sorted([*groups, *problems, *details], key=lambda i: -i.path.count("/")):
            if issue.parent_id:
                states[issue.parent_id] |= states[issue.pk]
            new = roll_up(states[issue.pk])
            if new != State.PLANNED:
                changed[new].append(issue.pk)
        for new, pks in changed.items():
            for start in range(0, len(pks), self.batch_size):
                Issue.objects.filter(pk__in=pks[start:start + self.batch_size]).update(state=new)

    def _note(self, action: str) -> str:
        if action == Action.SEND_BACK:
            return SEND_BACK_NOTE
        if action == Action.REOPEN:
            return REOPEN_NOTE
        if action == Action.APPROVE:
            return "经核查,同意销号。"
        return self.rng.choice(NOTES).format(n=self.rng.randrange(2, 30))

    def _timeline(self, obj: Measure, plan: PlannedMeasure, case: Case):
        """Replay the planned actions through the state rules; set the measure's derived columns."""
        start = datetime.datetime.combine(case.feedback_on, datetime.time(9), tzinfo=self.tz)
        end = self.now
        if plan.state == State.COMPLETED and plan.deadline and plan.deadline < self.today:
            # Finished items mostly finished around their deadline, not yesterday.
            end = min(end, datetime.datetime.combine(plan.deadline, datetime.time(17), tzinfo=self.tz)
                      + datetime.timedelta(days=self.rng.randrange(0, 30)))
        span = max((end - start).total_seconds(), 3600.0)
        times = sorted(start + datetime.timedelta(seconds=int(span * self.rng.uniform(0.02, 1.0)))
                       for _ in plan.actions)
        required = self._required(case)
        state, rnd, approvals = State.PLANNED, 0, 0
        rows = []
        for action, at in zip(plan.actions, times, strict=True):
            old = state
            if action == Action.START or action == Action.SEND_BACK:
                state = State.IN_PROGRESS
            elif action == Action.PHASE:
                state = State.PHASED
            elif action == Action.SUBMIT:
                state, rnd, approvals = State.SUBMITTED, rnd + 1, 0
                obj.signoff_requested_on = timezone.localdate(at)
            elif action == Action.APPROVE:
                approvals += 1
                if approvals >= required:
                    state = State.COMPLETED
                    obj.completed_at = at
            elif action == Action.REOPEN:
                state = State.RELAPSED
                obj.completed_at = None
            rows.append((action, at, old, state, rnd))
        assert state == plan.state, (plan.actions, state, plan.state)
        obj.state = state
        obj.signoff_round = rnd
        # Waiting at the step after the signatures so far; the unit's liaison asked.
        obj.signoff_step = approvals + 1 if state == State.SUBMITTED else 0
        obj.version = 1 + len(rows)
        obj.last_progress_at = times[-1] if times else None
        return rows
