"""Receipt QR codes and the public tracking page (stage and dates only)."""

import io

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image

from cases.codes import display_code
from cases.services import case_start_assessment


def test_qr_png_decodes_to_the_keyed_tracking_url(client, reception, new_case, settings):
    settings.PUBLIC_BASE_URL = "https://zongzhi.example.gov.cn"
    case = new_case()
    client.force_login(reception)
    response = client.get(reverse("cases:qr_png", args=[case.code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert [r.text for r in results] == [
        f"https://zongzhi.example.gov.cn/t/{case.code}/?k={case.tracking_key}"
    ]


def test_qr_svg_is_cached_and_revalidates(client, reception, new_case):
    case = new_case()
    client.force_login(reception)
    url = reverse("cases:qr_svg", args=[display_code(case.code)])
    first = client.get(url)
    assert first.status_code == 200
    assert first["Content-Type"] == "image/svg+xml"
    assert first.content.startswith(b"<?xml") or b"<svg" in first.content[:200]
    assert "private" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_qr_is_staff_only(client, new_case, liaison):
    case = new_case()
    url = reverse("cases:qr_png", args=[case.code])
    assert client.get(url).status_code == 302  # anonymous: to the log-in page
    client.force_login(liaison)
    assert client.get(url).status_code == 404  # the image holds the case's secret key


def test_tracking_page_shows_stage_and_dates_only(client, new_case, coordinator):
    case = new_case()
    case = case_start_assessment(case=case, actor=coordinator)
    response = client.get(reverse("tracking:case", args=[case.code]))
    html = response.content.decode()
    assert response.status_code == 200
    assert display_code(case.code) in html
    assert "研判中" in html
    for party in case.parties.all():
        assert party.name not in html
        assert str(party.phone) not in html
        assert party.phone.last4 not in html
        if party.id_number:
            assert str(party.id_number) not in html
    assert case.title not in html
    assert case.tracking_key not in html


@pytest.mark.parametrize(
    ("typed", "status", "message"),
    [
        ("42092320260000018", 400, "校验码不符"),
        ("4209232026", 400, "格式不正确"),
        ("42092320269999996", 404, "未找到"),
    ],
)
def test_tracking_page_distinguishes_mistyped_from_unknown(client, db, typed, status, message):
    from cases.codes import make_code

    if status == 404:
        typed = make_code("420923", 2026, 999999)
    response = client.get(reverse("tracking:case", args=[typed]))
    assert response.status_code == status
    assert message in response.content.decode()


def test_tracking_accepts_grouped_lowercase_code(client, new_case):
    case = new_case()
    typed = display_code(case.code).lower().replace("-", " ")
    response = client.get(reverse("tracking:start"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("tracking:case", args=[case.code])


def test_tracking_page_query_count(client, new_case, django_assert_num_queries):
    case = new_case()
    with django_assert_num_queries(2):
        response = client.get(reverse("tracking:case", args=[case.code]))
    assert response.status_code == 200
