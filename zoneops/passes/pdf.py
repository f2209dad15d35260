"""Printable A6 pass cards as PDF (reportlab), with an embedded CJK TrueType font and the QR drawn as vectors."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import segno
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A6
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from zoneops.passes.models import Pass

FONT_NAME = "ZoneOpsCJK"
DEFAULT_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"  # Debian package fonts-wqy-zenhei
PAGE_WIDTH, PAGE_HEIGHT = A6  # 105 x 148 mm, portrait
MARGIN = 7 * mm
QR_SIZE = 70 * mm


def font_name() -> str:
    """Register the CJK font once (settings.PASS_CARD_FONT or the WenQuanYi Zen Hei collection, face 0)."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        path = Path(getattr(settings, "PASS_CARD_FONT", "") or DEFAULT_FONT_PATH)
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
    return FONT_NAME


def draw_qr(pdf: canvas.Canvas, payload: str, x: float, y: float, size: float) -> None:
    """The QR (level Q, like the EU DCC) as filled rectangles, one per run of dark modules in a row: sharp at any DPI."""
    qr = segno.make_qr(payload, error="q")
    rows = [list(row) for row in qr.matrix]
    count = len(rows)
    border = 4  # the quiet zone the standard asks for
    module = size / (count + 2 * border)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.rect(x, y, size, size, stroke=0, fill=1)
    # one module = one unit after the transform, so the path is plain integers (fast to write, exact to draw)
    ops: list[str] = []
    for r, row in enumerate(rows):
        bottom = count - 1 - r
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                ops.append(f"{start} {bottom} {c - start} 1 re")
            else:
                c += 1
    pdf.saveState()
    pdf.setFillColorRGB(0, 0, 0)
    pdf.transform(module, 0, 0, module, x + border * module, y + border * module)
    pdf.addLiteral("\n".join(ops) + "\nf")
    pdf.restoreState()


def _fit(pdf: canvas.Canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest font size <= size at which text fits in width (down to 5 pt)."""
    while size > 5 and pdf.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _wrap(pdf: canvas.Canvas, text: str, font: str, size: float, width: float, max_lines: int) -> list[str]:
    """Break text (CJK has no spaces) at characters to fit width; the last line ends with … if cut."""
    lines: list[str] = []
    current = ""
    for char in text:
        if pdf.stringWidth(current + char, font, size) > width:
            lines.append(current)
            current = char
            if len(lines) == max_lines:
                break
        else:
            current += char
    else:
        lines.append(current)
        return lines
    last = lines[-1]
    while last and pdf.stringWidth(last + "…", font, size) > width:
        last = last[:-1]
    lines[-1] = last + "…"
    return lines


def draw_card(pdf: canvas.Canvas, pass_obj: Pass) -> None:
    """One A6 page: issuer band, pass type, QR, holder, scope, validity, serial."""
    font = font_name()
    width = PAGE_WIDTH - 2 * MARGIN
    tz = timezone.get_default_timezone()
    # issuer band
    band = 16 * mm
    pdf.setFillColorRGB(0.09, 0.36, 0.68)
    pdf.rect(0, PAGE_HEIGHT - band, PAGE_WIDTH, band, stroke=0, fill=1)
    pdf.setFillColorRGB(1, 1, 1)
    issuer = pass_obj.department.name
    pdf.setFont(font, _fit(pdf, issuer, font, 10, width))
    pdf.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 6.5 * mm, issuer)
    title = pass_obj.pass_type.name
    pdf.setFont(font, _fit(pdf, title, font, 12, width))
    pdf.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 12.5 * mm, title)
    # QR
    qr_y = PAGE_HEIGHT - band - 2 * mm - QR_SIZE
    draw_qr(pdf, pass_obj.payload, (PAGE_WIDTH - QR_SIZE) / 2, qr_y, QR_SIZE)
    # serial under the QR (Helvetica: ASCII only, searchable as plain text)
    pdf.setFillColorRGB(0, 0, 0)
    pdf.setFont("Helvetica-Bold", 10)
    pdf.drawCentredString(PAGE_WIDTH / 2, qr_y - 3 * mm, pass_obj.serial)
    # fields
    valid = "{} – {}".format(
        timezone.localtime(pass_obj.valid_from, tz).strftime("%Y-%m-%d %H:%M"),
        timezone.localtime(pass_obj.valid_to, tz).strftime("%Y-%m-%d %H:%M"),
    )
    fields: list[tuple[str, str]] = [
        (_("Name"), f"{pass_obj.holder_name}   ({_('ID')} …{pass_obj.id_last4})"),
    ]
    if pass_obj.affiliation:
        fields.append((_("Unit"), pass_obj.affiliation))
    if pass_obj.plate:
        fields.append((_("Plate"), pass_obj.plate))
    if pass_obj.route:
        fields.append((_("Route"), pass_obj.route))
    fields += [
        (_("Scope"), "、".join(pass_obj.scope_codes)),
        (_("Valid"), valid),
    ]
    label_width = 13 * mm
    size = 8
    leading = 3.7 * mm
    y = qr_y - 8.5 * mm
    bottom = MARGIN + 6 * mm
    for label, value in fields:
        if y < bottom:
            break
        pdf.setFillColorRGB(0.4, 0.4, 0.4)
        pdf.setFont(font, 7)
        pdf.drawString(MARGIN, y, label)
        pdf.setFillColorRGB(0, 0, 0)
        pdf.setFont(font, size)
        max_lines = max(1, min(2, int((y - bottom) // leading) + 1))
        for line in _wrap(pdf, value, font, size, width - label_width, max_lines):
            pdf.drawString(MARGIN + label_width, y, line)
            y -= leading
        y -= 0.6 * mm
    # footer
    pdf.setStrokeColorRGB(0.8, 0.8, 0.8)
    pdf.line(MARGIN, MARGIN + 4 * mm, PAGE_WIDTH - MARGIN, MARGIN + 4 * mm)
    pdf.setFillColorRGB(0.4, 0.4, 0.4)
    note = _("Signed pass: scan the QR to verify. Issued by %(issuer)s, key %(kid)s.") % {
        "issuer": pass_obj.department.name,
        "kid": pass_obj.kid,
    }
    pdf.setFont(font, _fit(pdf, note, font, 6, width))
    pdf.drawString(MARGIN, MARGIN, note)


def render_cards(passes: Iterable[Pass], *, title: str = "", compress: bool = True) -> bytes:
    """A PDF with one A6 card per pass (the font subset embedded); `compress=False` leaves page streams readable."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A6, pageCompression=1 if compress else 0, invariant=0)
    pdf.setTitle(title or _("Pass cards"))
    pdf.setAuthor("ZoneOps")
    pages = 0
    for pass_obj in passes:
        draw_card(pdf, pass_obj)
        pdf.showPage()
        pages += 1
    if not pages:
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()
