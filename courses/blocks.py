"""StreamField blocks of a lesson body."""

from __future__ import annotations

from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock
from wagtail.snippets.blocks import SnippetChooserBlock

LANGUAGES = [
    ("python", "Python"),
    ("sql", "SQL"),
    ("bash", "Bash"),
    ("json", "JSON"),
    ("yaml", "YAML"),
    ("text", _("Văn bản thuần")),
]


def code_highlight(code: str, language: str) -> str:
    """Highlight on the server with Pygments, so lessons need no JavaScript."""
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        lexer = get_lexer_by_name("text")
    # Pygments escapes the source itself; its output is safe HTML.
    return mark_safe(highlight(code, lexer, HtmlFormatter(cssclass="highlight")))  # noqa: S308


class CodeBlock(blocks.StructBlock):
    language = blocks.ChoiceBlock(
        choices=LANGUAGES, default="python", label=_("ngôn ngữ")
    )
    code = blocks.TextBlock(label=_("mã nguồn"))

    class Meta:
        icon = "code"
        label = _("Đoạn mã")
        template = "courses/blocks/code.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["highlighted"] = code_highlight(value["code"], value["language"])
        return context


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[
            ("note", _("Ghi chú")),
            ("warning", _("Lưu ý")),
            ("legal", _("Căn cứ pháp lý")),
        ],
        default="note",
        label=_("loại"),
    )
    title = blocks.CharBlock(required=False, label=_("tiêu đề"))
    text = blocks.RichTextBlock(label=_("nội dung"))

    class Meta:
        icon = "warning"
        label = _("Hộp chú thích")
        template = "courses/blocks/callout.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("ảnh"))
    caption = blocks.CharBlock(required=False, label=_("chú thích"))
    alt = blocks.CharBlock(
        required=False,
        label=_("mô tả thay thế"),
        help_text=_("Cho người dùng trình đọc màn hình."),
    )

    class Meta:
        icon = "image"
        label = _("Hình ảnh")
        template = "courses/blocks/image.html"


class QuizBlock(blocks.StaticBlock):
    """A call to take the course's quiz; the questions live on the course."""

    class Meta:
        icon = "list-ul"
        label = _("Bài kiểm tra của khóa học")
        admin_text = _("Hiển thị nút làm bài kiểm tra của khóa học.")
        template = "courses/blocks/quiz.html"


class LessonBodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("Tiêu đề mục"), icon="title", template="courses/blocks/heading.html"
    )
    paragraph = blocks.RichTextBlock(
        label=_("Đoạn văn"),
        features=[
            "bold",
            "italic",
            "link",
            "ol",
            "ul",
            "h3",
            "h4",
            "blockquote",
            "code",
        ],
    )
    image = ImageBlock()
    video = EmbedBlock(
        label=_("Video"), icon="media", template="courses/blocks/video.html"
    )
    code = CodeBlock()
    callout = CalloutBlock()
    document = DocumentChooserBlock(
        label=_("Tài liệu tải về"), template="courses/blocks/document.html"
    )
    quiz = QuizBlock()
    lab = SnippetChooserBlock(
        "labs.Lab",
        label=_("Bài thực hành"),
        icon="code",
        template="courses/blocks/lab.html",
    )
