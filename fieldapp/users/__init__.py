"""Accounts managed by the district's admin: create, edit, disable, reset a password."""
