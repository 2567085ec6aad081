"""The weekly letter the district sends the province (Decree 30/2020 layout): its parts
composed from the report, the district's letter template and the edits kept for the report
date (`letter.Letter`), then rendered as PDF and DOCX."""
