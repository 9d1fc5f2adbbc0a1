from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices")

    def ready(self):
        from cases.ledger.cells import register_label_reader

        from .jobs import register_runners
        from .parser.labels import read_label

        register_runners()
        # The ledger import reads numbering labels by the parser's rules (cases knows no notice).
        register_label_reader(read_label)
