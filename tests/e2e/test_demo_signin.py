"""`thidua demo --keep-running` as a newcomer runs it, wanting to try the portal: it prints the
portal's address and, for a few sample people, a throwaway secret of the demo's own; each of
them signs in with what was printed and lands on their own "Việc của tôi". A later `thidua init`
takes the database over and the printed secrets stop working."""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from thidua.localserver import free_port

pytestmark = pytest.mark.e2e

THIDUA = str(Path(sys.executable).with_name("thidua"))
ROW = re.compile(r"^\s+(\S+)\s+(demo-\S+)\s+(.+)$")
WAIT = 600  # seconds: the demo starts a Prefect server and a worker first


def _sign_in(base: str, username: str, secret: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=60) as client:
        form = client.get("/signin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token, form.text
        data = {"username": username, "secret": secret, "csrf_token": token.group(1)}
        answer = client.post("/signin", data=data)
        return client.get("/") if answer.status_code == 303 else answer


def test_the_demo_prints_sign_in_details_that_work(tmp_path: Path) -> None:
    home = tmp_path / ".thidua"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("THIDUA_", "PREFECT_"))}
    env.update(
        THIDUA_HOME=str(home),
        THIDUA_PREFECT_PORT=str(free_port(4310)),
        THIDUA_WEB_PORT=str(free_port(8510)),
        COLUMNS="80",  # a narrow terminal must not cut a secret in two
    )
    demo = subprocess.Popen(
        [THIDUA, "demo", "--keep-running", "--self-assessment-seconds", "600"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in demo.stdout or []], daemon=True).start()
    seen: list[str] = []
    people: dict[str, str] = {}
    base = None
    try:
        deadline = time.monotonic() + WAIT
        while not (base and len(people) >= 4 and not ROW.match(seen[-1])):
            assert time.monotonic() < deadline, "no sign-in details:\n" + "".join(seen)
            assert demo.poll() is None or not lines.empty(), "".join(seen)
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                continue
            if found := re.search(r"Đăng nhập cổng web (http://\S+)/signin", seen[-1]):
                base = found.group(1)
                assert "DÙNG THỬ" in seen[-1]  # marked as the demo's own, not real secrets
            elif base and (row := ROW.match(seen[-1])):
                people[row.group(1)] = row.group(2)
        assert {"canbo.ptccb", "chihuy.ptm", "bgd.phogiamdoc", "quantri"} <= people.keys()
        for username, secret in people.items():
            page = _sign_in(base, username, secret)
            assert page.status_code == 200 and "Việc của tôi" in page.text, (username, page.text)
            assert 'action="/signout"' in page.text
        assert _sign_in(base, "quantri", "demo-doan-bua").status_code == 401
    finally:
        demo.send_signal(signal.SIGTERM)
        try:
            demo.wait(timeout=180)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
    taken = subprocess.run(
        [THIDUA, "init"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert taken.returncode == 0, taken.stderr
    assert "mã bí mật dùng thử" in taken.stdout
    check = (
        "from thidua.db import session_scope\n"
        "from thidua.services.auth import authenticate\n"
        "import sys\n"
        "with session_scope() as s:\n"
        "    try:\n"
        "        authenticate(s, sys.argv[1], sys.argv[2])\n"
        "    except Exception:\n"
        "        sys.exit(3)\n"
    )
    for username, secret in people.items():
        done = subprocess.run(
            [sys.executable, "-c", check, username, secret], env=env, cwd=tmp_path, timeout=300
        )
        assert done.returncode == 3, f"{username}: the demo's secret still works after init"
