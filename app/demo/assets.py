"""The demo's files: a one-page PDF and a cover image for marketing's assets, made at seed
time (nothing binary is committed), small and real enough to open."""

from __future__ import annotations

import io
import textwrap

from PIL import Image, ImageDraw

# Brand-ish colours per stage, for the covers.
COVER_COLOURS = {
    "awareness": (58, 79, 216),
    "consideration": (138, 63, 184),
    "decision": (31, 122, 77),
    "post_sale": (11, 110, 138),
}


def _pdf_text(text: str) -> str:
    """`text` as a PDF string literal's contents (Latin-1, with its escapes)."""
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def one_pager(title: str, body: str) -> bytes:
    """A valid one-page PDF: the title, then the body wrapped to the page."""
    lines = [f"BT /F2 20 Tf 72 720 Td ({_pdf_text(title)}) Tj ET"]
    y = 690
    for paragraph in body.split("\n"):
        for line in textwrap.wrap(paragraph, 80) or [""]:
            lines.append(f"BT /F1 11 Tf 72 {y} Td ({_pdf_text(line)}) Tj ET")
            y -= 15
    lines.append("BT /F1 9 Tf 72 60 Td (Northwind - internal sales enablement) Tj ET")
    stream = "\n".join(lines).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def cover(title: str, stage: str) -> bytes:
    """A 1200x630 PNG cover: the stage's colour, the title in large type."""
    image = Image.new("RGB", (1200, 630), COVER_COLOURS.get(stage, (58, 79, 216)))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 60, 1140, 570), outline=(255, 255, 255), width=4)
    y = 200
    for line in textwrap.wrap(title, 30)[:4]:
        draw.text((100, y), line, fill=(255, 255, 255), font_size=56)
        y += 72
    draw.text((100, 500), "Northwind", fill=(255, 255, 255), font_size=32)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
