from django.contrib import admin

from .admin_import import NoticeImportAdminMixin
from .admin_plans import PlanImportAdminMixin
from .models import Notice


@admin.register(Notice)
class NoticeAdmin(PlanImportAdminMixin, NoticeImportAdminMixin, admin.ModelAdmin):
    list_display = ["title", "issuer", "kind", "signed_on", "case", "imported_at"]
    list_filter = ["kind", "issuer"]
    search_fields = ["title", "issuer", "raw_text"]
    readonly_fields = ["content_hash", "parser_version", "warnings", "imported_by", "imported_at"]
    autocomplete_fields = ["case"]

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user).select_related("case")
