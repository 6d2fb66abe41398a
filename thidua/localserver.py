"""A Prefect server and a worker on this machine, as child processes (demo, tests, one laptop).

Their output goes to log files under the thidua home, so a console shows only thidua's own.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from thidua.homedir import private_dir


class StartupError(RuntimeError):
    pass


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            # As the server itself will: a port left in TIME_WAIT by the last run is free.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise StartupError("không tìm được cổng trống")


def _bin(name: str) -> str:
    candidate = Path(sys.executable).with_name(name)
    return str(candidate) if candidate.exists() else name


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is not None:
            return
        # The whole process group: a worker's flow-run subprocesses go with it.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def subprocesses(self) -> list[int]:
        """The live processes this one started (a worker's flow runs), read from /proc."""
        found = []
        for entry in Path("/proc").glob("[0-9]*"):
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            fields = stat.rpartition(")")[2].split()
            if len(fields) > 1 and int(fields[1]) == self.process.pid and fields[0] != "Z":
                found.append(int(entry.name))
        return found

    def wait_idle(self, timeout: float = 60) -> bool:
        """Wait until the worker has no flow run in flight: a flow run that has reported its
        final state is still finishing in its process, and a worker stopped then marks it
        "Cancelled — Runner is shutting down". True if it became idle in time."""
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and self.subprocesses():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def tail(self, lines: int = 30) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _spawn(name: str, args: list[str], env: dict[str, str], log: Path) -> Child:
    log.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    out = log.open("ab")
    process = subprocess.Popen(
        args,
        env=env,
        # What the server and the flow runs create (Prefect's database with every form
        # response, persisted results, logs) is for this user only.
        umask=0o077,
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    out.close()
    return Child(name, process, log)


def worker_command(pool: str, *, limit: int | None = None, name: str | None = None) -> list[str]:
    """The command line of a process worker of `pool` (what docs/deploy.md tells to run), with
    at most `limit` flow-run processes at once (THIDUA_FLOW_RUN_LIMIT by default), so a loaded
    machine queues runs instead of piling up processes."""
    from thidua.settings import get_settings

    args = [_bin("prefect"), "worker", "start", "--pool", pool, "--type", "process"]
    if name:
        args += ["--name", name]
    return [*args, "--limit", str(limit or get_settings().flow_run_limit)]


@dataclass
class LocalPrefect:
    url: str  # the API URL, ending in /api
    home: Path
    children: list[Child] = field(default_factory=list)

    @property
    def ui(self) -> str:
        return self.url.removesuffix("/api")

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            PREFECT_API_URL=self.url,
            PREFECT_HOME=str(self.home),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_UI_URL=self.ui,
        )
        env.update(extra)
        return env

    def start_worker(
        self, *, log: Path, sweep_seconds: int = 60, poll_seconds: int = 2, **extra_env: str
    ) -> Child:
        env = self.env(PREFECT_RUNNER_POLL_FREQUENCY=str(poll_seconds), **extra_env)
        child = _spawn(
            "worker",
            [sys.executable, "-m", "deployments.serve", "--sweep-seconds", str(sweep_seconds)],
            env,
            log,
        )
        self.children.append(child)
        return child

    def start_web(self, *, log: Path, port: int) -> str:
        """The web portal (thidua web) on `port` or a free one, talking to this Prefect; its
        address once it answers."""
        port = free_port(port)
        args = [sys.executable, "-m", "thidua.web.serve", "--host", "127.0.0.1"]
        child = _spawn("web", [*args, "--port", str(port)], self.env(), log)
        self.children.append(child)
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, child=child, what="cổng thông tin web")
        return url

    def start_pool_worker(
        self,
        pool: str,
        *,
        log: Path,
        name: str | None = None,
        limit: int | None = None,
        query_seconds: int = 2,
        **extra_env: str,
    ) -> Child:
        """A `prefect worker start --pool POOL --type process` (after `thidua deploy`): it polls
        every `query_seconds` and runs each flow run as a subprocess of its own."""
        env = self.env(
            PREFECT_WORKER_QUERY_SECONDS=str(query_seconds),
            PREFECT_WORKER_PREFETCH_SECONDS=str(max(query_seconds, 1)),
            **extra_env,
        )
        child = _spawn(name or "worker", worker_command(pool, limit=limit, name=name), env, log)
        self.children.append(child)
        return child

    def stop(self, *, drain_seconds: float = 0) -> None:
        """Stop the workers, then the server; with `drain_seconds`, first let each worker
        finish the flow runs it has in flight (at most that long)."""
        if drain_seconds:
            for child in self.children:
                if child.name != "server":
                    child.wait_idle(drain_seconds)
        for child in reversed(self.children):
            child.stop()
        self.children.clear()


def wait_healthy(
    url: str, timeout: float = 120, child: Child | None = None, what: str = "máy chủ Prefect"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None and child.process.poll() is not None:
            raise StartupError(f"{what} dừng khi khởi động:\n{child.tail()}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise StartupError(f"{what} không trả lời sau {timeout:.0f} giây ({url})")


def start_server(home: Path, *, port: int = 4200, database_url: str | None = None) -> LocalPrefect:
    """Start `prefect server start` with its own PREFECT_HOME (its SQLite database lives there,
    or in PostgreSQL when `database_url` is given) and wait until its API answers."""
    port = free_port(port)
    private_dir(home)
    server = LocalPrefect(url=f"http://127.0.0.1:{port}/api", home=home.resolve())
    extra = {"PREFECT_SERVER_DATABASE_CONNECTION_URL": database_url} if database_url else {}
    child = _spawn(
        "server",
        [_bin("prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        server.env(**extra),
        server.home / "server.log",
    )
    server.children.append(child)
    try:
        wait_healthy(server.url, child=child)
    except BaseException:
        server.stop()
        raise
    return server
