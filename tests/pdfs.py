"""Render a PDF page to pixels (pdfium) and read the QR codes on it (zxing-cpp): the tests look
at what a reader would see. Each rendered page is saved under artifacts/pdf/ to look at."""

from pathlib import Path

import numpy
import pypdfium2
import zxingcpp
from PIL import Image

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts" / "pdf"


def render(data: bytes, name: str, scale=2.0):
    """The first page as a greyscale array; saved as artifacts/pdf/<name>.png."""
    pdf = pypdfium2.PdfDocument(data)
    image = pdf[0].render(scale=scale).to_pil().convert("L")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    image.save(ARTIFACTS / f"{name}.png")
    return numpy.asarray(image)


def ink(pixels) -> float:
    """The share of dark pixels: a blank page has none."""
    return float((pixels < 128).mean())


def qr_texts(pixels):
    return [r.text for r in zxingcpp.read_barcodes(Image.fromarray(pixels))]


def text_of(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
