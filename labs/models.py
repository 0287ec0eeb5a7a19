from django.db import models
from django.utils.translation import gettext_lazy as _


class Lab(models.Model):
    """A hands-on lab (bài thực hành) that a lesson's lab block points to.

    Bundles (starter, data, hidden checks) and their versions attach to it.
    """

    slug = models.SlugField(_("mã bài thực hành"), max_length=80, unique=True)
    title = models.CharField(_("tên bài thực hành"), max_length=255)
    summary = models.TextField(_("tóm tắt"), blank=True)

    class Meta:
        verbose_name = _("bài thực hành")
        verbose_name_plural = _("bài thực hành")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title
