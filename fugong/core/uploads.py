"""Uploaded files: the type is sniffed from the content (a renamed .exe is not a PDF, a GIF
named page.html is a GIF), the size is capped, images are re-encoded so that only pixels are
kept (no EXIF GPS, no script smuggled after the image data), and the file is stored under a
generated name as an Attachment of its owner record. `serve` answers a download with the
content's type, never the user's file name's: images inline, everything else as a download,
always `nosniff` and a sandboxing Content-Security-Policy."""

from __future__ import annotations

import io
import uuid
from pathlib import PurePath
from typing import TYPE_CHECKING

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .models import Attachment

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from django.core.files.uploadedfile import UploadedFile
    from django.db import models
    from django.db.models import QuerySet

    from .permissions import Actor


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
EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
# What an image becomes when re-encoded: JPEG stays JPEG, WebP stays WebP, GIF becomes PNG
# (its first frame), PNG stays PNG. HEIC cannot be decoded here (no libheif) and is refused
# with a request to send JPEG instead, so that no image is kept with its metadata.
REENCODE = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "PNG"}
FORMAT_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 50_000_000  # a decompression bomb is refused, not decoded
KIND_LABELS = {"pdf": "PDF", "image": _("图片"), "office": _("Office 文档")}
MAX_FILES = 9
GENERIC = "application/octet-stream"
# On every served upload: the browser never guesses a type, and even a file it would render
# gets no script, no forms, no plugins and no same-origin access.
SANDBOX = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def max_upload_bytes() -> int:
    return settings.FUGONG_UPLOAD_MAX_BYTES


def sniff(head: bytes) -> str:
    """The MIME type the content shows (never the name's), or "" when unknown."""
    guess = filetype.guess(head)
    return guess.mime if guess else ""


def check_upload(
    upload: UploadedFile,
    kinds: Sequence[str] = ("pdf", "image", "office"),
    max_bytes: int | None = None,
) -> str:
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
    mime = sniff(upload.read(8192))
    upload.seek(0)
    kind = MIME_KINDS.get(mime)
    if kind not in kinds:
        raise ValidationError(
            _("文件 %(n)s 的内容不是%(k)s（识别为：%(g)s）")
            % {
                "n": name,
                "k": "、".join(str(KIND_LABELS[k]) for k in kinds),
                "g": mime or _("未知类型"),
            }
        )
    return kind


def reencode_image(upload: UploadedFile, mime: str) -> tuple[bytes, str]:
    """The image's pixels, written afresh by Pillow (orientation applied, every metadata block
    — EXIF with GPS, comments, ICC, XMP — and every byte after the image dropped): (data, mime).
    Raises ValidationError when the content does not decode as the image it claims to be."""
    name = upload.name or "?"
    fmt = REENCODE.get(mime)
    if fmt is None:
        raise ValidationError(
            _("文件 %(n)s 的图片格式（%(g)s）无法处理，请转为 JPEG 或 PNG 后上传")
            % {"n": name, "g": mime}
        )
    upload.seek(0)
    try:
        with Image.open(upload) as img:
            if img.width * img.height > MAX_PIXELS:
                raise ValidationError(_("文件 %(n)s 的图片尺寸过大") % {"n": name})
            img.seek(0)
            pixels = ImageOps.exif_transpose(img)
            pixels.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise ValidationError(_("文件 %(n)s 不是完整的图片，无法读取") % {"n": name}) from exc
    finally:
        upload.seek(0)
    if fmt == "JPEG":
        pixels = pixels.convert("RGB")
    elif pixels.mode not in ("RGB", "RGBA", "L", "LA"):
        pixels = pixels.convert("RGBA")
    # Pillow writes a JPEG's comment and a PNG's ICC profile from `info` unless told
    # otherwise: nothing of the original's metadata may reach the new file (a grey PNG's
    # transparent value is pixels, not metadata)
    pixels.info = {k: v for k, v in pixels.info.items() if k == "transparency"}
    out = io.BytesIO()
    pixels.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue(), FORMAT_MIME[fmt]


def check_uploads(
    uploads: Iterable[UploadedFile], kinds: Sequence[str] = ("pdf", "image", "office")
) -> list[tuple[UploadedFile, str]]:
    """Check a batch; returns [(upload, kind)] or raises with every bad file named. Images
    are decoded here, so a file that only starts like an image is refused with the others."""
    if len(uploads) > MAX_FILES:
        raise ValidationError(_("一次最多上传 %(n)d 个文件") % {"n": MAX_FILES})
    checked, errors = [], []
    for upload in uploads:
        try:
            kind = check_upload(upload, kinds)
            checked.append((prepare(upload, kind), kind))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return checked


def prepare(upload: UploadedFile, kind: str) -> Checked:
    """What is stored of an upload already checked by `check_upload`: images re-encoded."""
    upload.seek(0)
    mime = sniff(upload.read(8192))
    upload.seek(0)
    if kind == "image":
        data, mime = reencode_image(upload, mime)
    else:
        data = upload.read()
        upload.seek(0)
    return Checked(upload.name or "", data, mime)


class Checked:
    """An upload after the check: what will be stored (`data`), the type its content showed
    (`mime`) and the name the user gave (kept for display only)."""

    def __init__(self, name: str, data: bytes, mime: str) -> None:
        self.name, self.data, self.mime = name, data, mime
        self.size = len(data)

    def stored_name(self) -> str:
        """A generated name: nothing of the user's file name reaches the file system."""
        return f"{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{EXTENSIONS.get(self.mime, 'bin')}"


def attach(
    user: Actor, owner: models.Model, checked: Iterable[tuple[UploadedFile, str]]
) -> list[Attachment]:
    """Store checked uploads as attachments of `owner` (call inside the owner's transaction)."""
    made = []
    for upload, kind in checked:
        if not isinstance(upload, Checked):  # a caller that checked one file by itself
            upload = prepare(upload, kind)
        att = Attachment(
            owner_type=owner._meta.label_lower,
            owner_id=owner.pk,
            name=(upload.name or "")[:200],
            kind=kind,
            content_type=upload.mime,
            size=upload.size,
            uploaded_by=user if user is not None and user.pk else None,
        )
        att.file.save(upload.stored_name(), ContentFile(upload.data), save=False)
        att.save()
        made.append(att)
    return made


def attachments_of(owner: models.Model) -> QuerySet[Attachment]:
    return Attachment.objects.filter(owner_type=owner._meta.label_lower, owner_id=owner.pk)


def download_name(att: Attachment) -> str:
    """The name offered to the browser: the user's name with the extension of the content's
    type (a GIF called page.html is offered as page.png, never as HTML)."""
    stem = PurePath(att.name or "file").stem or "file"
    return f"{stem}.{EXTENSIONS.get(att.content_type, 'bin')}"


def serve(att: Attachment) -> FileResponse:
    """Answer the download of an attachment whose scope the caller has already checked."""
    handle = att.file.open("rb")
    mime = att.content_type
    if not mime:  # stored before the type was recorded: judge the stored content now
        mime = sniff(handle.read(8192))
        handle.seek(0)
    if mime not in EXTENSIONS:
        mime = GENERIC
    inline = MIME_KINDS.get(mime) == "image"
    response = FileResponse(
        handle, as_attachment=not inline, filename=download_name(att), content_type=mime
    )
    response["Content-Type"] = mime  # FileResponse would otherwise guess from the filename
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cache-Control"] = "private, no-store"
    return response
