from django.db import migrations


def backfill(apps, schema_editor):
    LessonPage = apps.get_model("courses", "LessonPage")
    CoursePage = apps.get_model("courses", "CoursePage")
    courses = dict(CoursePage.objects.values_list("path", "pk"))
    for lesson in LessonPage.objects.filter(course__isnull=True).only("pk", "path"):
        course_id = courses.get(lesson.path[:-4])
        if course_id:
            LessonPage.objects.filter(pk=lesson.pk).update(course_id=course_id)


class Migration(migrations.Migration):
    dependencies = [("courses", "0004_lesson_course")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
