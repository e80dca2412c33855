"""Uploaded files: the type is sniffed from the content (a renamed .exe is not a PDF), the size
is capped, and the file is kept as an Attachment of its owner record."""

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Attachment

MIME_KINDS = {
    "application/pdf": "pdf",
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "image/gif": "image",
    "image/heic": "image",
    "application/msword": "office",
    "application/vnd.ms-excel": "office",
    "application/vnd.ms-powerpoint": "office",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "office",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "office",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "office",
    "application/vnd.oasis.opendocument.text": "office",
    "application/vnd.oasis.opendocument.spreadsheet": "office",
}
KIND_LABELS = {"pdf": "PDF", "image": _("图片"), "office": _("Office 文档")}
MAX_FILES = 9


def max_upload_bytes():
    return settings.FUGONG_UPLOAD_MAX_BYTES


def check_upload(upload, kinds=("pdf", "image", "office"), max_bytes=None):
    """The kind ("pdf", "image", "office") of an uploaded file, judged by its content; raises
    ValidationError naming the file and the rule it breaks."""
    max_bytes = max_bytes or max_upload_bytes()
    name = upload.name or "?"
    if upload.size > max_bytes:
        raise ValidationError(
            _("文件 %(n)s 大小 %(s).1f MB，超过上限 %(m).0f MB")
            % {"n": name, "s": upload.size / 2**20, "m": max_bytes / 2**20}
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guess = filetype.guess(head)
    kind = MIME_KINDS.get(guess.mime) if guess else None
    if kind not in kinds:
        raise ValidationError(
            _("文件 %(n)s 的内容不是%(k)s（识别为：%(g)s）")
            % {
                "n": name,
                "k": "、".join(str(KIND_LABELS[k]) for k in kinds),
                "g": guess.mime if guess else _("未知类型"),
            }
        )
    return kind


def check_uploads(uploads, kinds=("pdf", "image", "office")):
    """Check a batch; returns [(upload, kind)] or raises with every bad file named."""
    if len(uploads) > MAX_FILES:
        raise ValidationError(_("一次最多上传 %(n)d 个文件") % {"n": MAX_FILES})
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append((upload, check_upload(upload, kinds)))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return checked


def attach(user, owner, checked):
    """Store checked uploads as attachments of `owner` (call inside the owner's transaction)."""
    return [
        Attachment.objects.create(
            owner_type=owner._meta.label_lower,
            owner_id=owner.pk,
            file=upload,
            name=upload.name[:200],
            kind=kind,
            size=upload.size,
            uploaded_by=user if user is not None and user.pk else None,
        )
        for upload, kind in checked
    ]


def attachments_of(owner):
    return Attachment.objects.filter(owner_type=owner._meta.label_lower, owner_id=owner.pk)
