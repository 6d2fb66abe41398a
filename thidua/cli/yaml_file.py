"""YAML input, read strictly: no aliases, bounded nesting, no key written twice.

Its own module so that reading a JSON form (or no file at all) never imports PyYAML.
"""

from typing import Any

import yaml
from yaml.composer import ComposerError

from thidua.errors import InvalidInput, Problem
from thidua.forms.json_text import DUPLICATE as _DUPLICATE
from thidua.forms.json_text import UNREADABLE_VALUE as _UNREADABLE_VALUE
from thidua.forms.json_text import key_text as _key_text
from thidua.forms.json_text import refuse_duplicates as _refuse_duplicates
from thidua.limits import MAX_DEPTH
from thidua.parse_errors import yaml_reason


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing deep nesting while it composes (before Python's recursion
    limit is near) and aliases (a few lines of anchors can expand to billions of nodes)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def _here(self) -> Any:
        return self.peek_event().start_mark  # type: ignore[no-untyped-call]  # untyped stub

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise ComposerError(
                None,
                None,
                "không dùng tham chiếu (alias *…) trong tệp",
                self._here(),
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ComposerError(None, None, f"lồng nhau quá {MAX_DEPTH} tầng", self._here())
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_data(self) -> Any:
        # Checked on the composed tree, where each key still has its line: PyYAML itself lets
        # the last of two equal keys win, silently dropping a score the person typed.
        node = self.get_single_node()
        if node is None:
            return None
        _refuse_duplicates(_yaml_duplicates(node))
        return self.construct_document(node)


def _yaml_duplicates(root: Any) -> list[Problem]:
    """Keys written twice in one mapping, anywhere in the document, with their paths and lines."""
    found: list[Problem] = []
    stack: list[tuple[Any, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            lines: dict[object, int] = {}
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else None
                child = f"{path}.{_key_text(name)}" if path else _key_text(name)
                if name is not None and name in lines:
                    where = f"dòng {lines[name]} và dòng {key.start_mark.line + 1}"
                    found.append(Problem(child, f"{_DUPLICATE} (ở {where})"))
                elif name is not None:
                    lines[name] = key.start_mark.line + 1
                stack.append((value, child))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(node.value))
    return sorted(found, key=lambda p: p.field)


def load_yaml(text: str, field: str) -> Any:
    """The content of a YAML document, or InvalidInput saying where and what is wrong."""
    try:
        return yaml.load(text, Loader=_BoundedLoader)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" ở dòng {mark.line + 1}, cột {mark.column + 1}"
        problem = yaml_reason(getattr(exc, "problem", None) or type(exc).__name__)
        raise InvalidInput(field, f"YAML không hợp lệ{where}: {problem}") from None
    except ValueError:
        raise InvalidInput(field, f"YAML {_UNREADABLE_VALUE}") from None
