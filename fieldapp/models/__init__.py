"""Database models, one module per entity."""
from fieldapp.models.unit import Commune, District, Province
from fieldapp.models.user import Role, User
from fieldapp.models.venue import VENUE_TYPES, Venue
from fieldapp.models.inspection import Inspection, InspectionPhoto
from fieldapp.models.poster import Poster, PosterBatch

__all__ = [
    "Commune", "District", "Province", "Role", "User", "VENUE_TYPES", "Venue",
    "Inspection", "InspectionPhoto", "Poster", "PosterBatch",
]
