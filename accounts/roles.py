"""What each group may do. A data migration applies it; `manage.py sync_roles` re-applies it."""

from accounts.models import Role

_READ_CASES = [
    "cases.view_case",
    "cases.view_issue",
    "cases.view_measure",
    "cases.view_progressupdate",
    "cases.view_evidence",
    "cases.view_signoff",
    "cases.view_deadlinechange",
    "cases.view_extensionrequest",
    "cases.view_signoffchain",
    "cases.view_signoffstep",
    "accounts.view_unit",
    "accounts.view_organisation",
    "notices.view_notice",
]

# Look-backs (cases.lookback): supervisors record them and set the rules of their organisations.
LOOKBACK_PERMISSIONS = [
    "cases.view_lookback", "cases.add_lookback",
    *(f"cases.{action}_lookbackpolicy" for action in ("view", "add", "change", "delete")),
]

# The working-day calendar (cases.calendar): the office keeps it, so supervisors may edit it.
CALENDAR_PERMISSIONS = [
    f"cases.{action}_{model}"
    for model in ("calendarday", "calendaryear")
    for action in ("view", "add", "change", "delete")
]

# The urging ladder and its letters (cases.urging): the office sets its ladder, issues letters and
# the units' channels; staff read the letters to their units (scoping narrows "view").
URGING_PERMISSIONS = [
    "cases.issue_letter", "cases.view_letter",
    *[f"cases.{action}_{model}" for model in ("ladder", "ladderlevel", "notificationchannel")
      for action in ("view", "add", "change", "delete")],
]

GROUP_PERMISSIONS: dict[str, list[str]] = {
    # Staff log progress on their own units' measures; scoping narrows "view" to those.
    Role.STAFF: [*_READ_CASES, "cases.view_lookback", "cases.view_outcomefigure", "cases.change_measure",
                 "cases.add_progressupdate", "cases.add_evidence", "cases.view_letter"],
    # Supervisors read every unit, sign off, reopen, edit the ledger and see reminders.
    Role.SUPERVISOR: [
        *_READ_CASES,
        "cases.change_measure",
        "cases.add_progressupdate",
        "cases.add_evidence",
        "cases.view_all_measures",
        "cases.sign_off_measure",
        "cases.reopen_measure",
        "cases.add_case",
        "cases.change_case",
        "cases.add_issue",
        "cases.change_issue",
        "cases.add_measure",
        "cases.add_deadlinechange",
        "cases.view_reminder",
        *CALENDAR_PERMISSIONS,
        *URGING_PERMISSIONS,
        *LOOKBACK_PERMISSIONS,
        "cases.view_outcomefigure",
        *(f"cases.{action}_reportsubscription" for action in ("view", "add", "change", "delete")),
        "cases.view_reportdelivery",
        "accounts.view_user",
        "accounts.view_membership",
        "accounts.view_organisationmembership",
        "accounts.view_auditevent",  # the audit log of their organisations (accounts.audit)
    ],
}
# Administrators get every permission of these apps on top of a supervisor's.
ADMIN_APPS = ["accounts", "cases", "notices", "django_celery_beat", "authtoken"]


def sync_groups(apps=None) -> None:
    """Create the three groups and set their permissions exactly (idempotent).

    From a migration (`apps` given), permissions of models that do not exist yet at that point
    of the history are left out; the migration that creates those models syncs again."""
    if apps is None:
        from django.apps import apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def exists(app_label: str, codename: str) -> bool:
        # Run from an early migration, a model added later (e.g. the calendar's) is not
        # there yet: its default permissions are granted by the migration that creates it.
        action, _sep, model = codename.partition("_")
        if action not in ("view", "add", "change", "delete"):
            # A custom permission ("issue_letter") of a model added later is not there yet either.
            model = codename.rpartition("_")[2]
            from django.apps import apps as current

            if model not in {m._meta.model_name for m in current.get_app_config(app_label).get_models()}:
                return True  # not named after a model (e.g. view_all_measures): always required
        try:
            apps.get_model(app_label, model)
        except LookupError:
            return False
        return True

    def perms(names):
        wanted = {tuple(n.split(".", 1)) for n in names}
        found = [p for p in Permission.objects.select_related("content_type")
                 if (p.content_type.app_label, p.codename) in wanted]
        missing = {pair for pair in wanted - {(p.content_type.app_label, p.codename) for p in found}
                   if exists(*pair)}
        if missing:
            raise LookupError(f"permissions missing: {sorted(missing)}")
        return found

    for role, names in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(perms(names))
    admin, _ = Group.objects.get_or_create(name=Role.ADMIN)
    admin_perms = set(perms(GROUP_PERMISSIONS[Role.SUPERVISOR]))
    admin_perms |= set(Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
    admin_perms |= set(perms(["auth.view_group"]))
    admin.permissions.set(admin_perms)
