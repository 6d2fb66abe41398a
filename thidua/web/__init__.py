"""The web portal (issue 12): one long-lived FastAPI application serving every role.

app.py builds it; access.py says who may use each route; sessions.py keeps sign-ins, failed
attempts and one-time form nonces in the database; render.py renders Jinja pages; i18n.py
holds the Vietnamese and English words; errors.py turns refusals into pages and audit events.
"""
