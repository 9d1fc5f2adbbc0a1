from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

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
    readonly_fields = ["content_hash", "parser_version", "warnings_shown", "imported_by", "imported_at"]
    # The stored warnings and tree hold message ids; the page shows the warnings rendered instead.
    exclude = ["warnings", "parsed"]
    autocomplete_fields = ["case"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case")

    @admin.display(description=_("warnings"))
    def warnings_shown(self, obj: Notice):
        """Rendered in the reader's language, whatever the language of the import was."""
        shown = obj.warning_messages() if obj.pk else []
        if not shown:
            return "—"
        return format_html("<ul class=\"notice-warnings\">{}</ul>", format_html_join(
            "", "<li>{}{}</li>", ((format_html("<span class=\"help\">{} </span>", w["line"]) if w["line"] else "",
                                  w["message"]) for w in shown)))
