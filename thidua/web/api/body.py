"""A request's JSON, read as a form file is (thidua/forms/json_text.py): bounded in size and
nesting, keys written twice refused, every problem named by its field. FastAPI's own body
parsing is not used: it would let the last of two equal keys win and answer in English."""

from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from thidua.cli.io import invalid_from
from thidua.errors import InvalidInput
from thidua.forms.json_text import parse_json
from thidua.limits import MAX_FILE_BYTES

M = TypeVar("M", bound=BaseModel)
FIELD = "body"
_TOO_BIG = f"nội dung lớn quá {MAX_FILE_BYTES // 1024} KiB"

# Models whose schema a route names as its body: /api/openapi.json lists them (docs.py).
DOCUMENTED: dict[str, type[BaseModel]] = {}


async def json_body(request: Request) -> Any:
    """The request's JSON (None when it has no body)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FILE_BYTES:
        raise InvalidInput(FIELD, _TOO_BIG)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_FILE_BYTES:
            raise InvalidInput(FIELD, _TOO_BIG)
    if not raw.strip():
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(FIELD, "nội dung không phải văn bản UTF-8") from None
    return parse_json(text, FIELD)


def required(data: Any) -> Any:
    if data is None:
        raise InvalidInput(FIELD, "thiếu nội dung JSON")
    return data


def model_of(model: type[M], data: Any) -> M:
    """`data` as `model`, or every problem at once, each naming its field."""
    if data is not None and not isinstance(data, dict):
        raise InvalidInput(FIELD, "nội dung phải là một đối tượng JSON {…}")
    try:
        return model.model_validate(data or {})
    except ValidationError as exc:
        raise invalid_from(exc) from None


def documented(model: type[BaseModel], description: str) -> dict[str, Any]:
    """The `openapi_extra` of a route whose body is `model` (parsed here, not by FastAPI)."""
    DOCUMENTED[model.__name__] = model
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    }
