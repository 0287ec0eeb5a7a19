from django.urls import path

from courses import views

app_name = "courses"
urlpatterns = [
    path("khoa-hoc/", views.catalogue, name="catalogue"),
    path("khoa-hoc/<int:course_id>/ghi-danh/", views.course_enrol, name="enrol"),
    path("khoa-hoc/<int:course_id>/hoan-thanh/", views.course_done, name="course_done"),
    path("khoa-hoc/<int:course_id>/kiem-tra/", views.quiz_start, name="quiz"),
    path("kiem-tra/<int:attempt_id>/", views.quiz_attempt, name="quiz_attempt"),
    path("kiem-tra/<int:attempt_id>/ket-qua/", views.quiz_result, name="quiz_result"),
    path("bai-hoc/<int:lesson_id>-<str:slug>/", views.lesson, name="lesson"),
    path(
        "bai-hoc/<int:lesson_id>/hoan-thanh/",
        views.lesson_complete,
        name="lesson_complete",
    ),
    path("hoc-tap-cua-toi/", views.my_learning, name="my_learning"),
    path("giang-vien/", views.teaching, name="teaching"),
    path(
        "giang-vien/khoa-hoc/<int:course_id>/",
        views.course_report,
        name="course_report",
    ),
    path(
        "giang-vien/khoa-hoc/<int:course_id>/xuat.<str:fmt>",
        views.course_export,
        name="course_export",
    ),
]
