"""Both languages have the same words, and every word a template asks for exists."""

from jinja2 import nodes

from thidua.web.i18n import LANGUAGES, catalog
from thidua.web.render import environment


def _keys_used() -> set[str]:
    env = environment()
    used: set[str] = set()
    for name in env.list_templates():
        source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
        for call in env.parse(source).find_all(nodes.Call):
            if isinstance(call.node, nodes.Name) and call.node.name == "t":
                assert call.args and isinstance(call.args[0], nodes.Const), (
                    f"{name}: t() takes a literal key, so this test can check it"
                )
                used.add(call.args[0].value)
    return used


def test_every_language_has_the_same_keys() -> None:
    keys = {lang: set(catalog(lang)) for lang in LANGUAGES}
    assert keys["vi"] == keys["en"], keys["vi"] ^ keys["en"]


def test_every_key_used_in_a_template_is_in_the_catalogs() -> None:
    used = _keys_used()
    assert used, "no t() call found: the walk is broken"
    assert used <= set(catalog("vi")), used - set(catalog("vi"))


def test_the_switch_shows_english_and_remembers_it(anonymous) -> None:
    page = anonymous.get("/signin?lang=en")
    assert "Sign in" in page.text and '<html lang="en">' in page.text
    assert "Đăng nhập" not in page.text
    again = anonymous.get("/signin")
    assert "Sign in" in again.text  # the cookie remembers
    back = anonymous.get("/signin?lang=vi")
    assert "Đăng nhập" in back.text and 'name="viewport"' in back.text
