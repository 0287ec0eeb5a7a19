from django.core.management.base import BaseCommand
from django.db.models import Q

from courses.models import ProgramPage
from courses.services import enrolments_auto_assign


class Command(BaseCommand):
    help = "Ghi danh tự động theo cờ của chương trình (đầu mối dữ liệu, cán bộ CNTT)."

    def handle(self, *args, **options):
        programs = ProgramPage.objects.live().filter(
            Q(auto_assign_focal_points=True) | Q(auto_assign_it_officers=True)
        )
        for program in programs.order_by("code"):
            created = enrolments_auto_assign(program=program)
            self.stdout.write(f"{program.code}: {created} ghi danh mới")
