"""The HTTP API for other systems (a provincial portal, the national emulation database):
JSON under /api/v1, documented at /api/docs, authenticated by per-system tokens
(thidua/services/api_tokens.py), acting through the same services as a person.

- `auth`: the bearer token dependency; each route names its roles (deny by default).
- `schemas`: the requests and answers, with their field descriptions (OpenAPI).
- `body`: a request's JSON read as a form file is read (thidua/forms/json_text.py).
- `reads`, `actions`: the routes; `docs`: /api/openapi.json and /api/docs (no CDN, no JS).
"""
