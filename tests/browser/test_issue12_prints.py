"""Issue 12's printed outputs, printed to PDF by Chromium: receipt, rejection notice, mediation agreement.

Each prints to the expected number of pages with no table wider than the page; the agreement's
seal names the organisation chosen when the result was submitted, on the same page as the
parties' signatures.
"""

import pytest
from pypdf import PdfReader

from cases.models import Case, ResultKind
from cases.services import (
    PartyData,
    case_accept,
    case_assign,
    case_reject,
    case_start_assessment,
    case_submit_result,
)
from departments.models import Department
from tests.factories import DepartmentFactory

PARTIES = [
    PartyData(name="王小明", phone="13912345678", id_number="11010519491231002X"),
    PartyData(name="刘芳", phone="13912345679", role="applicant"),
    PartyData(name="某财务咨询有限公司", phone="0716-7654321", role="respondent"),
]


def pdf_text(path, page: int) -> str:
    return PdfReader(str(path)).pages[page].extract_text().replace(" ", "").replace("\n", "")


def test_the_receipt_prints_on_one_page(
    transactional_db, live_server, settings, page_factory, login, artifacts, print_pdf, reception, new_case
):
    settings.PUBLIC_BASE_URL = live_server.url
    case = new_case(parties=PARTIES, description="某财务咨询有限公司拖欠代账退款。" * 20)
    page = page_factory()
    login(page, reception.username)
    for paper in ("a5", "a4"):
        page.goto(f"{live_server.url}/cases/{case.code}/receipt/?paper={paper}")
        page.wait_for_function("() => document.getElementById('receipt-qr').complete")
        pages, overflowing = print_pdf(page, f"issue12-receipt-{paper}")
        assert (pages, overflowing) == (1, []), paper
    text = pdf_text(artifacts / "issue12-receipt-a4.pdf", 0)
    assert case.code_display in text
    # Item 8: the assessment deadline reads as the day it ends ("12月4日24时前"), never "00:00".
    assert "24时前完成研判" in text.replace(" ", "").replace("\n", "") and "00:00" not in text
    page.screenshot(path=str(artifacts / "issue12-receipt.png"), full_page=True)


def test_the_rejection_notice_prints_on_one_page(
    transactional_db, live_server, page_factory, login, artifacts, print_pdf, coordinator, new_case
):
    case = new_case(parties=PARTIES)
    case = case_start_assessment(case=case, actor=coordinator)
    case_reject(
        case=case,
        actor=coordinator,
        reason="该事项属于劳动人事争议仲裁受理范围，已引导申请人向县劳动人事争议仲裁委员会申请仲裁。" * 3,
        redirect_target="court",
    )
    page = page_factory()
    login(page, coordinator.username)
    page.goto(f"{live_server.url}/cases/{case.code}/rejection-notice/")
    pages, overflowing = print_pdf(page, "issue12-rejection-notice")
    assert (pages, overflowing) == (1, [])
    text = pdf_text(artifacts / "issue12-rejection-notice.pdf", 0)
    assert "不予受理告知书" in text and "当事人签收" in text
    assert "王小明、刘芳：" in text and "刘芳、：" not in text  # the applicants, and no stray comma


@pytest.fixture
def agreement_case(new_case, coordinator, liaison, department, center):
    """A court-led case mediated to an agreement by the people's mediation committee (人调委)."""

    def make(terms_lines: int, facts: int):
        committee = DepartmentFactory(
            center=center,
            slug="mediation",
            name="县人民调解委员会",
            short_name="人调委",
            kind=Department.Kind.MEDIATION,
        )
        case = new_case(
            parties=PARTIES, description="申请人委托被申请人代理记账，双方就退款发生争议。" * facts
        )
        case = case_start_assessment(case=case, actor=coordinator)
        case = case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)
        case = case_accept(case=case, actor=liaison)
        terms = "\n".join(
            f"{i}、被申请人于2027年{(i % 12) + 1}月10日前向申请人退还代账费用500元。"
            for i in range(1, terms_lines + 1)
        )
        return case_submit_result(
            case=case,
            actor=liaison,
            result="经调解达成协议。",
            result_kind=ResultKind.MEDIATION_AGREEMENT,
            agreement_terms=terms,
            judicial_confirmation=True,
            mediated_by=committee,
        )

    return make


def signature_pages(path) -> tuple[int, int]:
    """Return the pages (from 0) of the first party's signature line and of the seal."""
    texts = [page.extract_text().replace(" ", "").replace("\n", "") for page in PdfReader(str(path)).pages]
    first = next(i for i, t in enumerate(texts) if "王小明（签名或盖章）" in t)
    seal = next(i for i, t in enumerate(texts) if "委员会（印章）" in t)
    return first, seal


@pytest.mark.parametrize(
    ("terms_lines", "facts", "expected_pages"),
    # A short agreement fits on one page; a longer one (3 lines of terms after long facts) would
    # break between the parties' signatures and the seal if the block were allowed to split.
    [(1, 1, 1), (3, 4, 2)],
)
def test_the_agreement_is_sealed_by_the_mediator_with_the_parties_on_one_page(
    transactional_db,
    live_server,
    page_factory,
    login,
    artifacts,
    print_pdf,
    liaison,
    agreement_case,
    terms_lines,
    facts,
    expected_pages,
):
    case = agreement_case(terms_lines, facts)
    page = page_factory()
    login(page, liaison.username)
    page.goto(f"{live_server.url}/cases/{case.code}/mediation-agreement/")
    seal = page.inner_text("#agreement-seal")
    assert "县人民调解委员会（印章）" in seal and "县人民法院" not in seal
    name = f"issue12-agreement-{expected_pages}-page"
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
    pages, overflowing = print_pdf(page, name)
    assert (pages, overflowing) == (expected_pages, [])

    last = pdf_text(artifacts / f"{name}.pdf", pages - 1)
    assert "县人民调解委员会（印章）" in last
    for signer in ("申请人：王小明", "申请人：刘芳", "被申请人：某财务咨询有限公司", "调解员", "记录人"):
        assert f"{signer}（签名" in last, signer
    assert signature_pages(artifacts / f"{name}.pdf") == (pages - 1, pages - 1)
    assert Case.objects.get(pk=case.pk).mediated_by.slug == "mediation"

    if pages > 1:
        # The check is real: let the block split (as the old table did) and the seal leaves the parties.
        page.evaluate(
            "() => document.querySelectorAll('.signature-block, .signature')"
            ".forEach(e => { e.style.breakInside = 'auto'; })"
        )
        print_pdf(page, "issue12-agreement-unprotected")
        first, seal_page = signature_pages(artifacts / "issue12-agreement-unprotected.pdf")
        assert first < seal_page


def test_the_liaison_chooses_the_mediator_when_submitting_and_the_agreement_names_it(
    transactional_db,
    live_server,
    page_factory,
    login,
    artifacts,
    print_pdf,
    new_case,
    coordinator,
    liaison,
    department,
    center,
):
    DepartmentFactory(
        center=center,
        slug="mediation",
        name="县人民调解委员会",
        short_name="人调委",
        kind=Department.Kind.MEDIATION,
    )
    case = case_start_assessment(case=new_case(parties=PARTIES), actor=coordinator)
    case = case_assign(case=case, actor=coordinator, risk_colour="blue", lead_department=department)
    case = case_accept(case=case, actor=liaison)
    page = page_factory()
    login(page, liaison.username)
    page.goto(f"{live_server.url}/cases/{case.code}/")
    page.click("#action-submit_result summary")
    select = "#id_submit_result-mediated_by"
    assert page.eval_on_selector(select, "s => s.options[s.selectedIndex].text") == "县人民法院（牵头单位）"
    assert page.eval_on_selector(
        select, "s => Array.from(s.querySelectorAll('optgroup')).map(g => g.label)"
    ) == [
        "本案单位",
        "调解组织",
    ]
    page.select_option("#id_submit_result-result_kind", "agreement")
    page.fill("#id_submit_result-result", "经人调委调解，双方达成协议。")
    page.fill("#id_submit_result-agreement_terms", "一、被申请人于2027年1月10日前退还代账费用500元。")
    page.select_option(select, label="县人民调解委员会")
    page.locator("#action-submit_result").screenshot(
        path=str(artifacts / "issue12-submit-result-mediator.png")
    )
    page.click("#action-submit_result button[type=submit]")
    page.wait_for_selector("text=调解协议书")
    page.click("a:text('调解协议书')")
    page.wait_for_selector("#agreement-seal")
    assert page.inner_text("#agreement-seal").startswith("县人民调解委员会（印章）")
    page.screenshot(path=str(artifacts / "issue12-agreement-seal.png"), full_page=True)
    pages, overflowing = print_pdf(page, "issue12-agreement-seal")
    assert (pages, overflowing) == (1, [])
    assert "县人民调解委员会（印章）" in pdf_text(artifacts / "issue12-agreement-seal.pdf", 0)
