"""The compliance rule, on plain answers."""

import pytest

from fieldapp.inspections.outcome import Checklist, assess


def checklist(**overrides) -> Checklist:
    answers = {
        "qr_posted": "visible",
        "qr_matches": "yes",
        "checkin_method": "visitors_scan",
        "staff_assigned": True,
        "qr_size_ok": True,
        "visitors_observed": 10,
        "visitors_scanned": 9,
        "staff_total": 4,
        "staff_with_app": 4,
        "paper_fallback": True,
    }
    answers.update(overrides)
    return Checklist(**answers)


def test_everything_in_order_is_compliant():
    result = assess(checklist(), is_enterprise=False)
    assert result.outcome == "compliant"
    assert result.reasons == []


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"qr_posted": "missing", "checkin_method": "visitors_scan"}, "qr_missing"),
        ({"checkin_method": "none"}, "no_checkin"),
        ({"qr_matches": "no"}, "qr_not_own"),
    ],
)
def test_failing_the_order_is_non_compliant(overrides, reason):
    result = assess(checklist(**overrides), is_enterprise=False)
    assert result.outcome == "non_compliant"
    assert reason in result.reasons


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"qr_posted": "hidden"}, "qr_hidden"),
        ({"qr_posted": "damaged"}, "qr_damaged"),
        ({"qr_posted": "outdated"}, "qr_outdated"),
        ({"qr_posted": "missing", "checkin_method": "staff_scan"}, "qr_missing_staff_scan"),
        ({"qr_size_ok": False}, "qr_too_small"),
        ({"staff_assigned": False}, "no_staff"),
        ({"visitors_observed": 10, "visitors_scanned": 7}, "low_scan_rate"),
        ({"staff_total": 10, "staff_with_app": 5}, "low_staff_app"),
        ({"paper_fallback": False}, "no_paper_fallback"),
    ],
)
def test_a_missed_requirement_needs_improvement(overrides, reason):
    result = assess(checklist(**overrides), is_enterprise=False)
    assert result.outcome == "needs_improvement"
    assert result.reasons == [reason]


def test_scan_rate_threshold_is_inclusive():
    assert assess(checklist(visitors_observed=10, visitors_scanned=8), False).outcome == "compliant"
    assert (
        assess(checklist(visitors_observed=10, visitors_scanned=7), False).outcome
        == "needs_improvement"
    )


def test_no_visitors_observed_is_not_a_low_scan_rate():
    result = assess(checklist(visitors_observed=0, visitors_scanned=0), False)
    assert result.outcome == "compliant"


def test_unknown_answers_are_not_held_against_the_venue():
    result = assess(
        checklist(
            qr_size_ok=None,
            paper_fallback=None,
            visitors_observed=None,
            visitors_scanned=None,
            staff_total=None,
            staff_with_app=None,
        ),
        is_enterprise=True,
    )
    assert result.outcome == "compliant"


def test_risk_assessment_counts_for_enterprises_only():
    assert assess(checklist(risk_assessment_done=False), is_enterprise=True).reasons == [
        "no_risk_assessment"
    ]
    assert assess(checklist(risk_assessment_done=False), is_enterprise=False).outcome == "compliant"


def test_size_is_not_judged_when_no_code_is_posted():
    result = assess(
        checklist(qr_posted="missing", checkin_method="staff_scan", qr_size_ok=False),
        is_enterprise=False,
    )
    assert result.reasons == ["qr_missing_staff_scan"]


def test_failures_come_with_the_shortfalls():
    result = assess(checklist(checkin_method="none", staff_assigned=False), False)
    assert result.outcome == "non_compliant"
    assert result.reasons == ["no_checkin", "no_staff"]
