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
            "  admin         administrator (everything)\n"
            "  province      冯立新, 省委巡视办: reads both counties of 青岚省\n"
            "  supervisor    王晓燕, 青禾县整改办: reads all of 青禾县, signs step 3 of its chain\n"
            "  supervisor2   陈志强, 青禾县督查室: second supervisor of 青禾县\n"
            "  supervisor_b  邓雪梅, 白溪县整改办: reads all of 白溪县\n"
            "  staff         何俊, liaison of 青禾县住房和城乡建设局\n"
            "  staff2        马晓丽, liaison of 青禾县财政局\n"
            "  staff_b       宋晨, liaison of 白溪县财政局\n"
            "  unit_head     郑国强, head of 青禾县住房和城乡建设局: signs step 1 of 青禾县's chain\n"
            "  leader_zhou   周海涛, 副县长: signs step 2 (lead leader) of the items he leads\n"
            "  leader_li     李建国, 县委书记: signs step 4 (principal leader)\n"
            "\nUrging letters: /letters/ (supervisor). 青禾县住房和城乡建设局 has a 企业微信 group bot at\n"
            "  http://127.0.0.1:8145/: run `python -m tests.cases.bot_receiver 8145` to watch what it receives.\n"
        )
