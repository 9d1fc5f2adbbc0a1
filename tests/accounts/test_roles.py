from django.contrib.auth.models import Group
from django.core.management import call_command

from tests import factories


def test_groups_exist_with_their_permissions(db):
    staff, supervisor, admin = (Group.objects.get(name=n) for n in ("staff", "supervisor", "admin"))
    staff_perms = {p.codename for p in staff.permissions.all()}
    assert {"add_progressupdate", "change_measure", "view_measure"} <= staff_perms
    assert not {"sign_off_measure", "reopen_measure", "view_all_measures", "add_measure"} & staff_perms
    supervisor_perms = {p.codename for p in supervisor.permissions.all()}
    assert {"sign_off_measure", "reopen_measure", "view_all_measures", "add_deadlinechange"} <= supervisor_perms
    assert supervisor_perms < {p.codename for p in admin.permissions.all()}


def test_sync_roles_is_idempotent(db):
    before = {g.name: g.permissions.count() for g in Group.objects.all()}
    call_command("sync_roles")
    assert {g.name: g.permissions.count() for g in Group.objects.all()} == before


def test_role_properties(db):
    assert factories.UserFactory(role="supervisor").is_supervisor
    assert factories.UserFactory(role="admin").is_supervisor
    assert not factories.UserFactory(role="staff").is_supervisor


def test_user_has_one_name_field(db):
    user = factories.UserFactory(name="欧阳修")
    assert user.get_full_name() == "欧阳修"
    assert str(user) == "欧阳修"
    assert not hasattr(user, "first_name") or user.first_name is None
