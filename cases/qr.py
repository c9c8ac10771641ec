"""QR codes of receipts: SVG for pages, PNG for download; both encode the keyed tracking link."""

import io

import qrcode
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M

from .models import Case


def _qr(data: str) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=10, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    return qr


def case_qr_svg(case: Case) -> bytes:
    """Return the receipt QR of ``case`` as an SVG document."""
    image = _qr(case.tracking_url()).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode").encode()


def case_qr_png(case: Case) -> bytes:
    """Return the receipt QR of ``case`` as a PNG image."""
    image = _qr(case.tracking_url()).make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
