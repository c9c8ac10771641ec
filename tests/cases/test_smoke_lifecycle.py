from cases.models import State
from cases.services import case_accept, case_assign, case_start_assessment


def test_happy_path_reaches_handling(new_case, coordinator, liaison, department):
    case = new_case()
    case = case_start_assessment(case=case, actor=coordinator)
    case = case_assign(case=case, actor=coordinator, risk_colour="yellow", lead_department=department)
    case = case_accept(case=case, actor=liaison)
    assert case.state == State.HANDLING
    assert list(case.events.values_list("transition", flat=True)) == [
        "create",
        "start_assessment",
        "assign",
        "accept",
    ]
