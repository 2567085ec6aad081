"""Database models, one module per entity."""
from fieldapp.models.unit import Commune, District, Province
from fieldapp.models.user import Role, Scope, User
from fieldapp.models.venue import VENUE_TYPES, DuplicateDismissal, Venue
from fieldapp.models.inspection import OUTCOMES as OUTCOMES_ALL, REVIEW_STATES, Inspection, InspectionPhoto
from fieldapp.models.poster import Poster, PosterBatch
from fieldapp.models.audit import AuditEntry
from fieldapp.models.assignment import Assignment
from fieldapp.models.figures import CommuneFigures

__all__ = [
    "Commune", "CommuneFigures", "District", "Province", "Role", "Scope", "User", "VENUE_TYPES", "Venue",
    "Inspection", "InspectionPhoto", "OUTCOMES_ALL", "REVIEW_STATES", "Poster", "PosterBatch", "AuditEntry",
    "Assignment", "DuplicateDismissal",
]
