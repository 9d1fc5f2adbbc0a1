from django.contrib import admin

from accounts.admin_scoping import RestrictedAdminMixin
from cases.admin import CaseAdmin

from .admin_draft import notice_draft_urls
from .admin_import import NoticeImportAdminMixin
from .admin_plans import PlanImportAdminMixin
from .models import Notice

CaseAdmin.extra_urls.append(notice_draft_urls)


@admin.register(Notice)
class NoticeAdmin(RestrictedAdminMixin, PlanImportAdminMixin, NoticeImportAdminMixin, admin.ModelAdmin):
    list_display = ["title", "issuer", "kind", "signed_on", "case", "imported_at"]
    list_filter = ["kind", "issuer"]
    search_fields = ["title", "issuer", "raw_text"]
    readonly_fields = ["content_hash", "parser_version", "warnings", "imported_by", "imported_at"]
    autocomplete_fields = ["case"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case")
