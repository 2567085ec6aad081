"""How roles and scopes are named on the screens."""

from flask_babel import lazy_gettext as _l

from fieldapp.models import Role, Scope

ROLE_LABELS = {
    Role.INSPECTOR.value: _l("Inspector"),
    Role.SUPERVISOR.value: _l("Supervisor"),
    Role.ADMIN.value: _l("Administrator"),
}
SCOPE_LABELS = {
    Scope.DISTRICT.value: _l("Their district"),
    Scope.PROVINCE.value: _l("The whole province (supervisors only)"),
    Scope.COUNTRY.value: _l("The whole country"),
}
