"""Database models, one module per entity."""

from fieldapp.models.assignment import Assignment
from fieldapp.models.audit import AuditEntry
from fieldapp.models.citizen_report import CitizenReport, CitizenReportJoin, PublicHoliday
from fieldapp.models.deadline import ReportDeadline
from fieldapp.models.figures import CommuneFigures
from fieldapp.models.inspection import OUTCOMES as OUTCOMES_ALL
from fieldapp.models.inspection import (
    REVIEW_STATES,
    Inspection,
    InspectionClaim,
    InspectionPhoto,
)
from fieldapp.models.letter import LetterEdit, LetterTemplate
from fieldapp.models.national_report_ref import NationalReportRef
from fieldapp.models.poster import Poster, PosterBatch
from fieldapp.models.rollup import FindingMonthRollup, FindingRollup
from fieldapp.models.unit import Commune, District, Province
from fieldapp.models.user import Role, Scope, User
from fieldapp.models.venue import VENUE_TYPES, DuplicateDismissal, Venue, VenueImport

__all__ = [
    "OUTCOMES_ALL",
    "REVIEW_STATES",
    "VENUE_TYPES",
    "Assignment",
    "AuditEntry",
    "CitizenReport",
    "CitizenReportJoin",
    "Commune",
    "CommuneFigures",
    "District",
    "DuplicateDismissal",
    "FindingMonthRollup",
    "FindingRollup",
    "Inspection",
    "InspectionClaim",
    "InspectionPhoto",
    "LetterEdit",
    "LetterTemplate",
    "NationalReportRef",
    "Poster",
    "PosterBatch",
    "Province",
    "PublicHoliday",
    "ReportDeadline",
    "Role",
    "Scope",
    "User",
    "Venue",
    "VenueImport",
]
