"""The weekly compliance report: national figures per commune joined with the app's findings."""
