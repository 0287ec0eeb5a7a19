import pytest

from courses.text import search_key


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Nguyễn", "nguyen"),
        ("Dữ  LIỆU", "du lieu"),
        ("Đầu mối", "dau moi"),
        ("đđ", "dd"),
    ],
)
def test_search_keys_drop_accents_and_case(text, key):
    assert search_key(text) == key


@pytest.mark.parametrize("query", ["du lieu co ban", "DỮ LIỆU", "dau moi", "Đầu Mối"])
def test_the_catalogue_finds_courses_without_accents(
    client, course, second_course, query
):
    body = client.get("/khoa-hoc/", {"q": query}).content.decode()
    assert course.title in body


def test_the_catalogue_filters_by_level_and_program(client, course, second_course):
    body = client.get("/khoa-hoc/", {"trinh-do": "trung-cap"}).content.decode()
    assert second_course.title in body and course.title not in body
    body = client.get("/khoa-hoc/", {"chuong-trinh": "P2"}).content.decode()
    assert "Không tìm thấy khóa học phù hợp" in body


def test_the_catalogue_filters_by_audience(client, course):
    assert course.title in client.get("/khoa-hoc/", {"doi-tuong": "B"}).content.decode()
    assert (
        course.title
        not in client.get("/khoa-hoc/", {"doi-tuong": "A"}).content.decode()
    )


def test_odd_catalogue_input_never_fails(client, course):
    response = client.get(
        "/khoa-hoc/", {"q": "%_'\\" * 100, "trang": "abc", "doi-tuong": "Z"}
    )
    assert response.status_code == 200
