"""Serving the portal with Uvicorn: `thidua web`, and `python -m thidua.web.serve` (the demo)."""

import argparse

from thidua.settings import get_settings


def run(*, host: str | None = None, port: int | None = None, workers: int | None = None) -> None:
    """Serve until stopped. Several workers share nothing but the database (sessions, sign-in
    counts and nonces are all there), so they may also run on several machines."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "thidua.web.app:create_app",
        factory=True,
        host=host or settings.web_host,
        port=port or settings.web_port,
        workers=workers or settings.web_workers,
        # The app believes X-Forwarded-* only from THIDUA_WEB_TRUSTED_PROXIES (app.py).
        proxy_headers=False,
        # Behind a proxy that serves the portal under a prefix and strips it (docs/deploy.md):
        # every path and link of the app carries it again.
        root_path=settings.web_root_path,
        server_header=False,
        log_level="info",
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m thidua.web.serve")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--workers", type=int)
    args = parser.parse_args()
    run(host=args.host, port=args.port, workers=args.workers)


if __name__ == "__main__":
    main()
