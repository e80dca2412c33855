"""Uploaded files never run as code (issue 12): an attachment is served with the type its
content showed, inline only when it is an image by content, with nosniff and a sandboxing CSP;
it is stored under a generated name; images are re-encoded so that only pixels remain."""

import io
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from fugong.core.models import Attachment
from fugong.workorders.models import WorkOrder

SCRIPT = b"<html><script>fetch('/api/v1/me').then(r=>r.text()).then(alert)</script></html>"


def polyglot_gif() -> bytes:
    """A GIF that decodes, with a script in a comment extension and an HTML page after the
    trailer: what a browser sniffing HTML, or trusting the name page.html, would run."""
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buf, format="GIF")
    gif = buf.getvalue()
    comment = b"\x21\xfe" + bytes([len(SCRIPT[:255])]) + SCRIPT[:255] + b"\x00"
    return gif[:-1][: 13 + 768] + comment + gif[13 + 768 : -1] + b"\x3b" + SCRIPT


def gps_jpeg() -> bytes:
    img = Image.new("RGB", (16, 12), (10, 120, 200))
    exif = img.getexif()
    exif[ExifTags.Base.Make] = "PhoneMakerCorp"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (42.0, 54.0, 13.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (129.0, 30.0, 7.0)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def upload(client, *files):
    r = client.post("/problems/", {"text": "仓库门口积水，货进不来", "files": list(files)})
    return r


def served(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("name", ["page.html", "x.js", "a.svg"])
def test_it_serves_a_gif_polyglot_named_as_a_page_as_pixels_only(cast, campaign, login, name):
    attacker = login(cast.contact_a)
    assert (
        upload(attacker, SimpleUploadedFile(name, polyglot_gif(), "text/html")).status_code == 302
    )
    att = Attachment.objects.get()
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f]{32}\.png", att.file.name)
    officer = login(cast.yanji)
    r = officer.get(f"/attachments/{att.pk}/")
    body = served(r)
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Security-Policy"].startswith("sandbox")
    assert r["Content-Disposition"].startswith("inline") and ".png" in r["Content-Disposition"]
    assert b"script" not in body and b"html" not in body
    assert Image.open(io.BytesIO(body)).size == (4, 4)


def test_it_strips_exif_gps_from_a_phone_photo(cast, campaign, login):
    original = gps_jpeg()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the bait
    contact = login(cast.contact_a)
    assert (
        upload(contact, SimpleUploadedFile("现场.jpg", original, "image/jpeg")).status_code == 302
    )
    att = Attachment.objects.get()
    body = served(login(cast.yanji).get(f"/attachments/{att.pk}/"))
    img = Image.open(io.BytesIO(body))
    assert img.format == "JPEG" and img.size == (16, 12)
    assert not img.getexif().get_ifd(ExifTags.IFD.GPSInfo) and not img.getexif()
    assert b"PhoneMakerCorp" not in body and b"Exif" not in body
    assert att.size == len(body) and att.name == "现场.jpg"


def test_it_refuses_a_file_that_only_starts_like_an_image(cast, campaign, login):
    fake = SimpleUploadedFile("x.gif", b"GIF89a" + SCRIPT, "image/gif")
    r = upload(login(cast.contact_a), fake)
    assert r.status_code == 200 and "x.gif" in r.content.decode()
    assert not WorkOrder.objects.exists() and not Attachment.objects.exists()


def pdf_bytes() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.drawString(10, 10, "plan")
    pdf.save()
    return buf.getvalue()


def test_it_serves_pdf_and_office_files_as_downloads_whatever_their_name(cast, campaign, login):
    from fugong.core.excel import write_xlsx

    files = [
        SimpleUploadedFile("plan.html", pdf_bytes(), "text/html"),
        SimpleUploadedFile("sheet.svg", write_xlsx("t", ["a"], [["b"]]), "image/svg+xml"),
    ]
    assert upload(login(cast.contact_a), *files).status_code == 302
    officer = login(cast.yanji)
    types = []
    for att in Attachment.objects.order_by("pk"):
        r = officer.get(f"/attachments/{att.pk}/")
        assert r["Content-Disposition"].startswith("attachment")
        assert r["X-Content-Type-Options"] == "nosniff"
        assert r["Content-Security-Policy"].startswith("sandbox")
        types.append((r["Content-Type"], r["Content-Disposition"].rsplit(".", 1)[1]))
    assert types == [
        ("application/pdf", 'pdf"'),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", 'xlsx"'),
    ]


def test_it_serves_a_stored_file_of_unknown_content_as_a_bare_download(cast, login):
    """An attachment stored before the content type was recorded is judged by its content."""
    att = Attachment(owner_type="registry.enterprise", owner_id=cast.a.pk, name="page.html")
    att.kind, att.size = "image", len(SCRIPT)
    att.file.save("legacy.html", ContentFile(SCRIPT), save=True)
    r = login(cast.yanji).get(f"/attachments/{att.pk}/")
    assert r["Content-Type"] == "application/octet-stream"
    assert r["Content-Disposition"].startswith("attachment") and ".bin" in r["Content-Disposition"]
    assert r["X-Content-Type-Options"] == "nosniff"
    assert login(cast.tumen).get(f"/attachments/{att.pk}/").status_code == 404


def test_it_serves_the_pass_image_with_the_applicants_texts_as_inert(
    cast, campaign, transport, login
):
    from .test_passes import issued

    p = issued(cast, transport, origin='<script>alert(1)</script><a href="javascript:x">')
    r = login(cast.contact_a).get(f"/passes/{p.pk}/pass.svg")
    body = r.content.decode()
    assert r["Content-Type"] == "image/svg+xml" and "<script>" not in body and "<a " not in body
    assert r["Content-Security-Policy"].startswith("sandbox")
