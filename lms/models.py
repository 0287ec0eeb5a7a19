from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from lms.pagecache import AnonymousCacheablePageMixin


class HomePage(AnonymousCacheablePageMixin, Page):
    """The academy's front page: what it is, for whom, and where to start."""

    intro = RichTextField(_("giới thiệu (tiếng Việt)"), blank=True)
    intro_en = RichTextField(_("giới thiệu (tiếng Anh)"), blank=True)
    title_en = models.CharField(_("tiêu đề (tiếng Anh)"), max_length=255, blank=True)

    content_panels = [*Page.content_panels, "title_en", FieldPanel("intro"), "intro_en"]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("trang chủ")

    def localized_intro(self) -> str:
        if get_language() == "en" and self.intro_en:
            return self.intro_en
        return self.intro

    def localized_title(self) -> str:
        if get_language() == "en" and self.title_en:
            return self.title_en
        return self.title
