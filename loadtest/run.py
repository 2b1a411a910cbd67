"""Seatdesk under load, on loopback, started and stopped by this script:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/seatdesk_copy python -m loadtest.run \
        --users 20 --run-time 90 [--kill-one]

It runs the Procfile's processes as production does (DEBUG off; the static files are left
out, a browser caches them and locust asks for none): two
`web` processes (gunicorn, 2 workers each), a `worker` and a `beat` against a Redis of its
own, an SMTP sink for the emails, and haproxy in front (TLS, health checks on /healthz,
a request that met a dead server retried on the other). Then locust plays account managers
(loadtest/locustfile.py) for --run-time seconds after they have all signed in; with
--kill-one the first web process is killed (SIGKILL, its workers with it) halfway through.
It prints requests per second, p50/p95/p99 and errors, and the CPU time each kind of process
used over the run next to the whole machine's (the rest is PostgreSQL's and whatever else
runs: locust shares the cores it measures), and exits 1 if any request failed.
The database needs the demo logins (`seed_demo`, or `seed_demo --scale N`); it is migrated.
"""

import argparse
import csv
import os
import secrets
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.integration.smtp_sink import SmtpSink, free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
UNVERIFIED = ssl._create_unverified_context()  # our own self-signed certificate
SPAWN_RATE = 10  # sign-ins per second while the users start (each hashes a password)

HAPROXY = """\
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 130s
    timeout server 130s
    # A sync worker answers a health check only between requests: under full load it waits.
    timeout check 10s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout
frontend seatdesk
    bind 127.0.0.1:{port} ssl crt {certificate}
    http-request set-header X-Forwarded-Proto https
    default_backend web
backend web
    balance roundrobin
    option httpchk GET /healthz
{servers}
"""


class Processes:
    """Child processes, each in its own process group (killed whole), logs in `workdir`."""

    def __init__(self, workdir: Path, env: dict):
        self.workdir, self.env = workdir, env
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], **env) -> None:
        log = (self.workdir / f"{name}.log").open("w")
        self.running[name] = subprocess.Popen(
            command,
            env={**self.env, **env},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, name: str) -> None:
        os.killpg(self.running[name].pid, signal.SIGKILL)
        self.running[name].wait()

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.running.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill(name)


def procfile() -> dict[str, str]:
    """The Procfile's commands by process kind: what this script runs is what it says."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def wait_until(what: str, condition, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise SystemExit(f"Gave up waiting for {what}.")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2, context=UNVERIFIED) as response:
            return response.status == 200
    except OSError:
        return False


def certificate(workdir: Path) -> Path:
    """A self-signed certificate for haproxy's TLS: production cookies are HTTPS-only."""
    key, cert = workdir / "key.pem", workdir / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert],
        check=True, capture_output=True,
    )  # fmt: skip
    pem = workdir / "haproxy.pem"
    pem.write_text(cert.read_text() + key.read_text())
    return pem


def figures(stats_csv: Path) -> list[dict]:
    with stats_csv.open() as rows:
        return list(csv.DictReader(rows))


def cpu_seconds(groups: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user and system, with those of reaped children) used so far by each named
    process group, and by the whole machine ("machine"), from Linux's /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    names = {group: name for name, group in groups.items()}
    used = dict.fromkeys([*groups, "machine"], 0.0)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        name = names.get(int(fields[2]))  # its process group
        if name:
            used[name] += sum(int(value) for value in fields[11:15]) / tick
    busy = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    used["machine"] = (sum(map(int, busy)) - int(busy[3]) - int(busy[4])) / tick  # not idle
    return used


def cpu_report(before: dict[str, float], after: dict[str, float], seconds: float) -> None:
    spent = {name: after[name] - before.get(name, 0.0) for name in after}
    machine = spent.pop("machine")
    ours = ", ".join(f"{name} {value:.1f}" for name, value in spent.items())
    print(
        f"CPU seconds over {seconds:.0f} s on {os.cpu_count()} cores: {ours}; the whole machine "
        f"{machine:.1f} (the rest, {machine - sum(spent.values()):.1f}: PostgreSQL and other work)"
    )


def report(rows: list[dict], emails: int) -> int:
    print(f"{'request':<33} {'count':>7} {'errors':>6} {'rps':>7} {'p50':>6} {'p95':>6} {'p99':>6}")
    for row in rows:
        print(
            f"{row['Type']:<4} {row['Name']:<28} {row['Request Count']:>7} {row['Failure Count']:>6} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )
    total = rows[-1]  # locust's "Aggregated" row
    print(
        f"\nrequests per second {float(total['Requests/s']):.1f}, p50 {total['50%']} ms, "
        f"p95 {total['95%']} ms, p99 {total['99%']} ms, errors {total['Failure Count']} "
        f"of {total['Request Count']}; emails received by the SMTP sink {emails}"
    )
    return int(total["Failure Count"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="account managers at once")
    parser.add_argument("--run-time", type=int, default=90, help="seconds, after sign-in")
    parser.add_argument("--kill-one", action="store_true", help="kill a web process halfway")
    options = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database with the demo data.")

    workdir = Path(tempfile.mkdtemp(prefix="seatdesk-load-"))
    sink = SmtpSink()
    redis_port, lb_port = free_port(), free_port()
    web_ports = [free_port(), free_port()]
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "EMAIL_URL": sink.url,
        "MEDIA_ROOT": str(workdir / "media"),
        "BEAT_SCHEDULE_FILE": str(workdir / "beat-schedule"),
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }
    processes = Processes(workdir, env)
    print(f"Logs in {workdir}")
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"], env=env, cwd=ROOT, check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        sink.start()
        processes.start(
            "redis",
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""],
        )
        commands = procfile()
        for number, port in enumerate(web_ports, start=1):
            processes.start(f"web.{number}", ["sh", "-c", commands["web"]], PORT=str(port))
        processes.start("worker", ["sh", "-c", commands["worker"]])
        processes.start("beat", ["sh", "-c", commands["beat"]])
        for port in web_ports:
            wait_until(
                f"web on {port}", lambda port=port: answers(f"http://127.0.0.1:{port}/readyz")
            )
        servers = "\n".join(
            f"    server web{number} 127.0.0.1:{port} check inter 2s fall 3 rise 1"
            for number, port in enumerate(web_ports, start=1)
        )
        config = workdir / "haproxy.cfg"
        config.write_text(
            HAPROXY.format(port=lb_port, certificate=certificate(workdir), servers=servers)
        )
        processes.start("haproxy", ["haproxy", "-db", "-f", str(config)])
        host = f"https://127.0.0.1:{lb_port}"
        wait_until("haproxy to route to the web processes", lambda: answers(f"{host}/healthz"))
        ramp = options.users / SPAWN_RATE
        processes.start(
            "locust",
            [
                str(BIN / "locust"), "-f", str(ROOT / "loadtest" / "locustfile.py"),
                "--headless", "--host", host, "--users", str(options.users),
                "--spawn-rate", str(SPAWN_RATE), "--reset-stats",
                "--run-time", f"{round(ramp + options.run_time)}s", "--stop-timeout", "10",
                "--csv", str(workdir / "locust"), "--only-summary",
            ],
        )  # fmt: skip
        time.sleep(ramp)  # the figures count from here (--reset-stats)
        groups = {name: process.pid for name, process in processes.running.items()}
        cpu_before, started = cpu_seconds(groups), time.monotonic()
        if options.kill_one:
            time.sleep(options.run_time / 2)
            until_killed = cpu_seconds({"web.1": groups["web.1"]})["web.1"]
            processes.kill("web.1")
            cpu_before["web.1"] -= until_killed  # what it used until then counts
            print(f"web.1 (port {web_ports[0]}) killed at {ramp + options.run_time / 2:.0f}s")
        # Its own CPU is read just before it ends, while it is still there to be read.
        time.sleep(max(0.0, options.run_time - 1 - (time.monotonic() - started)))
        cpu_after, seconds = cpu_seconds(groups), time.monotonic() - started
        processes.running["locust"].wait()
        cpu_report(cpu_before, cpu_after, seconds)
        return 1 if report(figures(workdir / "locust_stats.csv"), sink.count()) else 0
    finally:
        processes.stop_all()
        sink.stop()


if __name__ == "__main__":
    sys.exit(main())
