"""The admin's screen of the audit trail."""
