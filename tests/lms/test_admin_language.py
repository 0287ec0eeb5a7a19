"""The Wagtail admin in Vietnamese: locale_wagtail/ completes Wagtail's own (small)
Vietnamese catalogue for the strings instructors and moderators see every day, and a
user whose Wagtail preferred language is English still gets English."""

from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import pytest
from django.conf import settings

CATALOGUES = Path(settings.BASE_DIR) / "locale_wagtail" / "vi" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\([A-Za-z0-9_]+\)[sdifr]|%[sd]|\{[A-Za-z0-9_]*\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


# --- A tiny .po reader (the catalogues are plain GNU gettext files) ------------------


def _unquote(line: str) -> str:
    return json.loads(line) if line.startswith('"') else line


def po_entries(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (list), flags."""
    entries: list[dict] = []
    entry: dict = {}
    key = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {}, None
            continue
        if line.startswith("#,"):
            entry.setdefault("flags", set()).update(
                f.strip() for f in line[2:].split(",")
            )
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += _unquote(line)
            else:
                entry[key[0]] += _unquote(line)
        else:
            word, value = line.split(" ", 1)
            match = re.fullmatch(r"msgstr\[(\d+)\]", word)
            if match or word == "msgstr":
                index = int(match[1]) if match else 0
                entry.setdefault("msgstr", {})[index] = _unquote(value)
                key = ("msgstr", index)
            else:
                entry[word] = _unquote(value)
                key = (word,)
    for entry in entries:
        entry["msgstr"] = [entry["msgstr"][i] for i in sorted(entry["msgstr"])]
        entry.setdefault("flags", set())
    return [e for e in entries if e["msgid"]]  # drop the header


def catalogue(domain: str) -> list[dict]:
    return po_entries(CATALOGUES / f"{domain}.po")


# --- The admin, as an instructor sees it ---------------------------------------------


@pytest.fixture
def course(instructor, home_page):
    """A draft course in a program the instructor teaches."""
    from courses.models import CoursePage, ProgramPage
    from courses.services import program_instructor_assign
    from lms.demo import seed_programs

    seed_programs(home_page)
    program = ProgramPage.objects.get(code="P1")
    program_instructor_assign(program=program, user=instructor)
    course = program.add_child(
        instance=CoursePage(title="Khóa thử giao diện", slug="khoa-thu-giao-dien")
    )
    course.save_revision(user=instructor)
    return course


def sidebar_labels(html: str) -> set[str]:
    """Every label of the sidebar's menus (rendered by JavaScript from JSON props)."""
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>',
        html,
        re.S,
    )
    labels: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("label"), str):
                labels.add(node["label"])
            node = list(node.values())
        if isinstance(node, list):
            for child in node:
                walk(child)

    walk(json.loads(props[1]))
    return labels


def prefer_english(user) -> None:
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()


def test_the_dashboard_and_its_menus_are_in_vietnamese(client, instructor, course):
    client.force_login(instructor)

    response = client.get("/admin/")

    assert response.status_code == 200
    html = response.content.decode()
    labels = sidebar_labels(html)
    assert {"Các trang", "Hình ảnh", "Tài liệu", "Báo cáo", "Trợ giúp"} <= labels
    assert {"Tài khoản", "Đăng xuất"} <= labels
    assert not {"Pages", "Images", "Documents", "Reports", "Help", "Log out"} & labels
    assert "<title>Bảng điều khiển - Wagtail</title>" in html
    assert "Tổng quan trang web" in html
    assert "Tìm trong tất cả các trang…" in html
    for text in ("Site summary", "Search all pages", "Dashboard"):
        assert text not in html, text


def test_the_page_explorer_is_in_vietnamese(client, instructor, course):
    client.force_login(instructor)

    html = client.get(f"/admin/pages/{course.get_parent().pk}/").content.decode()

    # The course was created live, then a draft revision was saved.
    for text in ("Thêm trang con", "Sắp xếp thứ tự menu", "đang hiển thị + bản nháp"):
        assert text in html, text
    for text in ("Add child page", "Sort menu order", "live + draft", "View live"):
        assert text not in html, text


def test_the_page_editor_is_in_vietnamese(client, instructor, course):
    client.force_login(instructor)

    response = client.get(f"/admin/pages/{course.pk}/edit/")

    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Lưu bản nháp",
        "Xuất bản",
        "Gửi duyệt",
        "Xem trước",
        "Quảng bá",
        "Đường dẫn",
        "Chọn thời điểm trang bắt đầu hiển thị và/hoặc hết hạn",
    ):
        assert text in html, text
    for text in (
        "Save draft",
        "Save Draft",
        "Submit to",
        "Go live date",
        "Set schedule",
    ):
        assert text not in html, text


def test_a_validation_error_is_reported_in_vietnamese(client, instructor, course):
    client.force_login(instructor)

    response = client.post(
        f"/admin/pages/{course.pk}/edit/", {"title": "", "slug": course.slug}
    )

    html = response.content.decode()
    assert "Không thể lưu trang do có lỗi dữ liệu." in html
    assert "The page could not be saved due to validation errors." not in html


def test_the_javascript_catalogue_is_in_vietnamese(client, instructor):
    client.force_login(instructor)

    script = client.get("/admin/jsi18n/").content.decode()

    # Django writes the catalogue as JSON, non-ASCII characters escaped.
    assert json.dumps({"Duplicate": "Nhân bản"})[1:-1] in script
    assert json.dumps({"Move up": "Chuyển lên"})[1:-1] in script


def test_a_user_who_prefers_english_keeps_the_english_admin(client, instructor, course):
    prefer_english(instructor)
    client.force_login(instructor)

    dashboard = client.get("/admin/").content.decode()
    editor = client.get(f"/admin/pages/{course.pk}/edit/").content.decode()
    script = client.get("/admin/jsi18n/").content.decode()

    assert {"Pages", "Images", "Documents", "Help", "Log out"} <= sidebar_labels(
        dashboard
    )
    assert "Các trang" not in sidebar_labels(dashboard)
    assert "Save draft" in editor
    assert "Lưu bản nháp" not in editor
    assert json.dumps("Nhân bản") not in script


# --- The catalogues themselves ---------------------------------------------------------


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_translation_keeps_the_placeholders_and_markup_of_its_msgid(domain):
    problems = []
    for entry in catalogue(domain):
        # Vietnamese has one plural form: it must read right for any count, so it
        # carries the placeholders of the plural msgid.
        source = entry.get("msgid_plural", entry["msgid"])
        for msgstr in entry["msgstr"]:
            if sorted(PLACEHOLDER.findall(msgstr)) != sorted(
                PLACEHOLDER.findall(source)
            ):
                problems.append(("placeholders", entry["msgid"], msgstr))
            if sorted(TAG.findall(msgstr)) != sorted(TAG.findall(source)):
                problems.append(("markup", entry["msgid"], msgstr))
    assert problems == []


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_msgid_is_translated_once(domain):
    entries = catalogue(domain)
    keys = [(e.get("msgctxt"), e["msgid"]) for e in entries]

    assert len(keys) == len(set(keys))
    assert all(e["msgstr"] and all(e["msgstr"]) for e in entries)
    assert not [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    header = (CATALOGUES / f"{domain}.po").read_text(encoding="utf-8")
    # The same plural rule as Wagtail's and Django's own Vietnamese catalogues.
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header
    assert all(len(e["msgstr"]) == 1 for e in entries)


def _english_sources(domain: str) -> dict[str, str | None]:
    """msgid -> msgid_plural of the installed Wagtail (and Django) English catalogues."""
    import django
    import wagtail

    files = [
        *Path(wagtail.__file__).parent.glob(f"**/locale/en/LC_MESSAGES/{domain}.po"),
        Path(django.__file__).parent / f"conf/locale/en/LC_MESSAGES/{domain}.po",
    ]
    sources: dict[str, str | None] = {}
    for path in files:
        if path.exists():
            for entry in po_entries(path):
                sources[entry["msgid"]] = entry.get("msgid_plural")
    return sources


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_msgid_is_one_the_installed_wagtail_uses(domain):
    """After a Wagtail upgrade, a changed msgid silently falls back to English: this
    lists the entries to bring up to date from the new English sources."""
    sources = _english_sources(domain)

    stale = [
        e["msgid"]
        for e in catalogue(domain)
        if e["msgid"] not in sources or sources[e["msgid"]] != e.get("msgid_plural")
    ]

    assert stale == []


def test_wagtail_and_allauth_catalogues_agree_on_the_words_they_share():
    """locale_wagtail/ comes first in LOCALE_PATHS, so on a shared msgid it wins on
    the sign-in pages too. Only "Usage" (WebAuthn keys) and "Public" (OIDC clients)
    differ, and neither allauth feature is enabled here."""
    allauth = {
        e["msgid"]: e["msgstr"]
        for e in po_entries(
            Path(settings.BASE_DIR) / "locale_allauth/vi/LC_MESSAGES/django.po"
        )
    }

    differing = sorted(
        e["msgid"]
        for e in catalogue("django")
        if e["msgid"] in allauth and allauth[e["msgid"]] != e["msgstr"]
    )

    assert differing == ["Public", "Usage"]
    assert settings.LOCALE_PATHS.index(
        Path(settings.BASE_DIR) / "locale_wagtail"
    ) < settings.LOCALE_PATHS.index(Path(settings.BASE_DIR) / "locale_allauth")


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_compiled_catalogue_is_the_po_file(domain):
    with open(CATALOGUES / f"{domain}.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    for entry in catalogue(domain):
        if "msgid_plural" in entry:
            assert (
                compiled.ngettext(entry["msgid"], entry["msgid_plural"], 5)
                == (entry["msgstr"][0])
            )
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"][0]
