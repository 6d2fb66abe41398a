"""The API's documentation: /api/openapi.json (OpenAPI 3.1, from the routes and their models)
and /api/docs, the same read as a page rendered on the server: every route, who may use it,
what it takes and gives, field by field. No Swagger UI: the portal loads nothing from elsewhere
and works without JavaScript."""

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response

from models.org import ROLE_LABELS
from thidua.web.access import ALL_ROLES, public, routes_of
from thidua.web.api import actions, reads
from thidua.web.api.body import DOCUMENTED
from thidua.web.render import page, root_path

router = APIRouter(prefix="/api", tags=["Tài liệu"])

PREFIX = "/api/v1"
DESCRIPTION = (
    "API của thidua cho hệ thống khác (cổng thông tin tỉnh, cơ sở dữ liệu thi đua quốc gia). "
    "Xác thực: `Authorization: Bearer <mã API>` do quản trị viên cấp (`thidua token issue`); "
    "mã gắn với một tài khoản và làm đúng những gì tài khoản đó được làm. Mã chỉ đọc không "
    "được thao tác (403). Lỗi trả JSON: `detail`, `error`, `field` và `problems` (mọi chỗ sai "
    "của dữ liệu gửi lên, mỗi chỗ với `where`, `field`, `reason`), như `thidua … --json`."
)


@cache
def _spec() -> dict[str, Any]:
    routes = [*reads.router.routes, *actions.router.routes]
    doc = get_openapi(title="thidua API", version="1", description=DESCRIPTION, routes=routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, model in DOCUMENTED.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for sub, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(sub, definition)
        schemas[name] = schema
    return doc


def spec(request: Request) -> dict[str, Any]:
    prefix = root_path(request)
    return {**_spec(), "servers": [{"url": prefix}]} if prefix else _spec()


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, _: Annotated[None, public]) -> Response:
    return JSONResponse(spec(request))


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    ref = schema.get("$ref", "")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return name, doc["components"]["schemas"].get(name, {})
    if schema.get("type") == "array" and "items" in schema:
        name, item = _resolve(doc, schema["items"])
        return f"[{name}]", item
    return schema.get("title", ""), schema


def _type(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return str(schema["$ref"].rsplit("/", 1)[-1])
    if "anyOf" in schema:
        return " | ".join(_type(s) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if schema.get("type") == "array":
        return f"[{_type(schema.get('items', {}))}]"
    return str(schema.get("type", "any"))


def _fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "type": _type(prop),
            "required": name in required,
            "description": prop.get("description", ""),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _param(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": p["name"],
        "where": p["in"],
        "required": p.get("required", False),
        "description": p.get("description") or p.get("schema", {}).get("description", ""),
    }


def endpoints(request: Request) -> list[dict[str, Any]]:
    """Every API route as the page lists it, with the roles it declares."""
    doc = spec(request)
    declared = {
        (r.path, m): r.access for r in routes_of(request.app) for m in r.methods
    }  # fmt: skip
    out = []
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            access = declared.get((path, method.upper()))
            roles = sorted(access.roles) if access else []
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            answer = op.get("responses", {}).get("200", {}).get("content", {})
            answer_schema = answer.get("application/json", {}).get("schema")
            body_name, body_schema = _resolve(doc, body["schema"]) if body else ("", {})
            answer_name, answer_fields = _resolve(doc, answer_schema) if answer_schema else ("", {})
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "roles": [ROLE_LABELS[r] for r in roles],
                    "everyone": set(roles) == set(ALL_ROLES),
                    "act": method.upper() != "GET",
                    "params": [_param(p) for p in op.get("parameters", [])],
                    "body": {"name": body_name, "fields": _fields(body_schema)} if body else None,
                    "answer": {"name": answer_name, "fields": _fields(answer_fields)},
                }
            )
    return out


@router.get("/docs", include_in_schema=False)
def docs(request: Request, _: Annotated[None, public]) -> Response:
    return page(request, "api_docs.html", endpoints=endpoints(request), description=DESCRIPTION)
