from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from labs import services


class NotebookUploadForm(forms.Form):
    notebook = forms.FileField(
        label=_("Tệp notebook (.ipynb)"),
        help_text=_(
            "Tệp .ipynb, tối đa 5 MB. Hệ thống chạy lại toàn bộ notebook để chấm."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".ipynb,application/x-ipynb+json"}
        ),
    )

    def clean_notebook(self) -> bytes:
        upload = self.cleaned_data["notebook"]
        if not upload.name.lower().endswith(".ipynb"):
            raise forms.ValidationError(_("Chỉ nhận tệp có đuôi .ipynb."))
        limit = services.max_notebook_bytes()
        # Checked before reading: a 50 MB upload is refused without loading it.
        if upload.size > limit:
            raise forms.ValidationError(
                _(
                    "Tệp quá lớn (%(size).1f MB). Giới hạn là %(limit)d MB; hãy xóa bớt "
                    "kết quả đầu ra (Kernel → Restart & Clear Output) rồi nộp lại."
                )
                % {"size": upload.size / services.MB, "limit": limit // services.MB}
            )
        return upload.read()


class BundleUploadForm(forms.Form):
    bundle = forms.FileField(
        label=_("Gói bài thực hành (.zip)"),
        help_text=_(
            "Tệp .zip chứa manifest.json, starter.ipynb, solution.ipynb, checks.py và "
            "thư mục data/. Gói được kiểm tra bằng cách chấm lời giải (phải đạt 100 %) "
            "và notebook khởi đầu (không được đạt)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def clean_bundle(self) -> bytes:
        upload = self.cleaned_data["bundle"]
        if upload.size > 50 * services.MB:
            raise forms.ValidationError(_("Gói bài thực hành vượt quá 50 MB."))
        return upload.read()
