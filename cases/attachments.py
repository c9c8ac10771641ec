"""What may be attached to a case: types checked by extension and by content, sizes bounded."""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# extension → (content type served back, magic prefixes the file must start with; empty = any)
ALLOWED = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".txt": ("text/plain; charset=utf-8", ()),
}


def max_bytes() -> int:
    return settings.ZONGZHI_ATTACHMENT_MAX_MB * 1024 * 1024


def max_files() -> int:
    return settings.ZONGZHI_ATTACHMENT_MAX_FILES


def validate_upload(upload) -> str:
    """Check one uploaded file; return the content type to store. Raise ValidationError naming the file."""
    name = os.path.basename(upload.name or "")
    extension = os.path.splitext(name)[1].lower()
    if extension not in ALLOWED:
        raise ValidationError(
            _("文件“%(name)s”的类型不允许上传；允许：PDF、JPG、PNG、Word、Excel、TXT。"),
            params={"name": name},
        )
    if upload.size > max_bytes():
        raise ValidationError(
            _("文件“%(name)s”超过 %(mb)s MB。"), params={"name": name, "mb": max_bytes() // (1024 * 1024)}
        )
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。"), params={"name": name})
    content_type, magics = ALLOWED[extension]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if magics and not any(head.startswith(m) for m in magics):
        raise ValidationError(_("文件“%(name)s”的内容与扩展名不符。"), params={"name": name})
    if extension == ".txt" and b"\x00" in head:
        raise ValidationError(_("文件“%(name)s”的内容与扩展名不符。"), params={"name": name})
    return content_type
