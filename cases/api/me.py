"""`GET /api/v1/me/`: who you are, your roles and units, what you may do, and your items' counts.

In cases rather than accounts because it counts measures: dependencies point down
(accounts ← cases ← notices).
"""

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import MeSerializer
from accounts.models import Role
from cases.models import Measure, due_within_condition, ongoing_condition, overdue_condition
from cases.states import State


class MeView(APIView):
    """Who you are, your roles and units, what you may do, and the counts of your items."""

    @extend_schema(summary="The signed-in user", responses=MeSerializer)
    def get(self, request):
        user = request.user
        today = timezone.localdate()
        items = Measure.objects.restrict(user).order_by().aggregate(
            total=Count("pk"),
            ongoing=Count("pk", filter=ongoing_condition()),
            overdue=Count("pk", filter=overdue_condition(today)),
            due_soon=Count("pk", filter=due_within_condition(settings.REMINDER_DUE_SOON_DAYS, today)),
            submitted=Count("pk", filter=Q(state=State.SUBMITTED)),
            completed=Count("pk", filter=Q(state=State.COMPLETED)),
        )
        me = {
            "id": user.pk, "username": user.username, "name": user.get_full_name(), "title": user.title,
            "email": user.email, "phone": user.phone,
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "memberships": list(user.memberships.select_related("unit").order_by("unit__path")),
            "organisations": list(
                user.organisation_memberships.select_related("organisation").order_by("organisation__path")
            ),
            "organisation_ids": sorted(user.scope.organisation_ids) if not user.scope.everything else None,
            "unit_ids": sorted(user.unit_ids),
            "permissions": {
                "view_all_units": user.is_supervisor,
                "log_progress": user.has_perm("cases.add_progressupdate"),
                "sign_off": user.has_perm("cases.sign_off_measure"),
                "reopen": user.has_perm("cases.reopen_measure"),
                "move_deadlines": user.has_perm("cases.add_deadlinechange"),
                "edit_ledger": user.has_perm("cases.add_measure"),
                "view_reminders": user.has_perm("cases.view_reminder"),
                "administer": user.is_superuser or user.groups.filter(name=Role.ADMIN).exists(),
            },
            "items": items,
        }
        return Response(MeSerializer(me).data)
