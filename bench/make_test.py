"""`make test` from a fresh clone, as CI runs it: PostgreSQL, Redis, Chromium, the Nu HTML
Checker and Lighthouse.

Clones this repository (its committed HEAD) into a temporary folder and runs `make test` there
with CI's environment (`CI=true`: a missing service fails instead of skipping), its own test
databases and Redis databases, and the Node packages of this checkout's `var/ci-node` (which
`.ci/run` installs). By default it first drops the migrated databases the test databases are
copied from (tests/migrated_template.py), as on a new machine; `--warm` keeps them, as on a
developer's second run. Prints each line of pytest's output with its time, then the wall time,
the CPU time of `make` and everything it started, and the whole machine's CPU (the browsers and
PostgreSQL included). Exit code 1 if it took longer than the goal (5 minutes) or failed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cesiq REDIS_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python bench/make_test.py
    # options: --goal 300 --warm --keep --repo PATH --pytest-args "..." --by-command

REDIS_URL's database and the three after it are used (two test processes, two each). The uv
download cache is used: the install takes a few seconds (a minute without a cache, see
make_run.py); it is part of the time, as in CI.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from support import admin_sql, load, skip, with_database, within_goal

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = "cesiq_migrated_"  # tests/migrated_template.py's PREFIX


def machine_cpu():
    """CPU seconds the whole machine spent (user, nice, system, interrupts), from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CpuByCommand(threading.Thread):
    """The CPU each command name spent while the run lasted, sampled from /proc every quarter
    second: what `children_cpu` misses (a browser killed by its driver leaves its processes to
    init, PostgreSQL's backends are the server's). A process that lived less than a quarter
    second is missed."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stopping = threading.Event()
        self.first, self.last = {}, {}  # (pid, start time) -> CPU ticks; -> (name, ticks)

    def sample(self, before=False):
        """`before`: the processes already running count from what they had spent."""
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    text = stat.read()
            except OSError:  # gone meanwhile
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            key, ticks = (pid, fields[19]), int(fields[11]) + int(fields[12])
            self.first.setdefault(key, ticks if before else 0)
            self.last[key] = (name, ticks)

    def run(self):
        self.sample(before=True)
        while not self.stopping.wait(0.25):
            self.sample()

    def stop(self):
        self.stopping.set()
        self.join()
        self.sample()
        by_name = Counter()
        for key, (name, ticks) in self.last.items():
            by_name[name] += (ticks - self.first[key]) / os.sysconf("SC_CLK_TCK")
        return by_name


def drop_templates(server_url):
    import psycopg

    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        names = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [TEMPLATES + "%"]
        ).fetchall()
    for (name,) in names:
        admin_sql(server_url, f'DROP DATABASE "{name}" WITH (FORCE)')
    return [name for (name,) in names]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--goal", type=float, default=300, help="seconds (default 300)")
    parser.add_argument("--warm", action="store_true", help="keep the migrated databases")
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    parser.add_argument("--repo", default=str(REPO), help="repository to clone (this one)")
    parser.add_argument("--pytest-args", default="-p no:cacheprovider --durations=25")
    parser.add_argument(
        "--by-command", action="store_true", help="also print the CPU of each command name"
    )
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        return skip("DATABASE_URL must name a PostgreSQL server")
    if not os.environ.get("REDIS_URL"):
        return skip("REDIS_URL must name a Redis server")
    node = REPO / "var/ci-node/node_modules"
    if not (node / "vnu-jar").exists() or not (node / "lighthouse").exists():
        return skip(f"{node} needs vnu-jar and lighthouse (the npm line of .ci/run)")

    workdir = Path(tempfile.mkdtemp(prefix="cesiq-make-test-"))
    clone = workdir / "clone"
    subprocess.run(["git", "clone", "--quiet", args.repo, str(clone)], check=True)
    (clone / "var").mkdir(exist_ok=True)
    (clone / "var/ci-node").symlink_to(REPO / "var/ci-node")
    if (REPO.parent / "shared").is_dir():  # Stripe's API description, as beside a checkout
        (workdir / "shared").symlink_to(REPO.parent / "shared")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "VIRTUAL_ENV"))}
    env.update(
        CI="true",
        DATABASE_URL=with_database(server, "cesiq_bench_make_test"),
        VNU_JAR=str(node / "vnu-jar/build/dist/vnu.jar"),
    )
    if not args.warm:
        dropped = drop_templates(server)
        print(f"dropped {len(dropped)} migrated database(s): built again, as on a new machine")

    print(f"load average before: {load()} on {os.cpu_count()} CPUs", flush=True)
    sampler = CpuByCommand() if args.by_command else None
    if sampler:
        sampler.start()
    start, cpu_start, machine_start = time.monotonic(), children_cpu(), machine_cpu()
    proc = subprocess.Popen(
        ["make", "test", f"PYTEST_ARGS={args.pytest_args} --create-db"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in proc.stdout:
        print(f"  {time.monotonic() - start:6.1f}s  {line.rstrip()}", flush=True)
    proc.wait()
    elapsed = time.monotonic() - start
    cpu, machine = children_cpu() - cpu_start, machine_cpu() - machine_start
    by_command = sampler.stop() if sampler else Counter()
    if args.keep:
        print(f"clone kept in {clone}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\nload average after: {load()} on {os.cpu_count()} CPUs")
    print(f"make test:     {elapsed:6.1f} s wall (exit code {proc.returncode})")
    print(f"CPU:           {cpu:6.1f} s of make and what it started (reaped)")
    print(f"machine CPU:   {machine:6.1f} s (browsers, PostgreSQL, Redis and any other load)")
    print(f"idle:          {os.cpu_count() * elapsed - machine:6.1f} s of {os.cpu_count()} CPUs")
    for name, seconds in by_command.most_common(8):
        print(f"  {name:16} {seconds:6.1f} s")
    if proc.returncode != 0:
        print("make test failed")
        return 1
    return within_goal(elapsed, args.goal)


if __name__ == "__main__":
    sys.exit(main())
