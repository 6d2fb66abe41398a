"""The portal as the web benchmark serves it: `uvicorn --factory bench.web_app:app`.

The same application as `thidua web`, with one more page: a constant one, the floor, answered by
the same process through the same middleware, so what a real page costs above it is thidua's.
"""

from typing import Any

FLOOR_PATH = "/bench/floor"
FLOOR_PAGE = "<!doctype html><html lang=vi><title>sàn</title><p>Sàn đo (trang cố định)</p></html>"


def app() -> Any:
    from fastapi.responses import HTMLResponse

    from thidua.web.access import public
    from thidua.web.app import create_app

    web = create_app()

    @web.get(FLOOR_PATH, dependencies=[public], response_class=HTMLResponse)
    def floor() -> str:
        return FLOOR_PAGE

    return web
