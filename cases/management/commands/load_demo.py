from django.core.management.base import BaseCommand

from cases.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the fictional demo case (青禾县) with units, people and progress. Safe to run twice."

    def handle(self, *args, **options):
        case, created = load_demo()
        if created:
            self.stdout.write(self.style.SUCCESS(f"Demo case loaded: {case.title} ({case.measures.count()} measures)."))
        else:
            self.stdout.write(f"Demo case already present (id {case.pk}); nothing changed.")
        self.stdout.write(
            f"\nDemo logins (password for all: {DEMO_PASSWORD}):\n"
            "  admin        administrator (everything)\n"
            "  supervisor   王晓燕, 整改办: reads every unit, signs off\n"
            "  supervisor2  陈志强, 督查室: second supervisor\n"
            "  staff        何俊, liaison of 县住房和城乡建设局\n"
            "  staff2       马晓丽, liaison of 县财政局\n"
        )
