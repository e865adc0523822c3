"""`make run` from a fresh clone to a served page, then `make run` again.

Clones this repository (its committed HEAD) into a temporary folder, runs `make run` there on
a free port and times it until the French home page answers 200; stops it, runs `make run`
again in the same clone and times that too. Each line `make` prints is shown with the time
since the start, which shows where the time goes (install, catalogues, migrations, seed,
first page). Exit code 1 if the fresh clone took longer than the goal (2 minutes).

    .venv/bin/python bench/make_run.py                 # no download cache, as a new machine
    # options: --goal 120 --with-cache --keep --timeout 900 --repo PATH (another clone)

Without --with-cache, pip's and uv's caches are off (PIP_NO_CACHE_DIR, UV_NO_CACHE): every
package is downloaded again. CPU time is that of `make` and all it started, until the page is
served: it reads about the same on a busy machine, where wall time grows with the load
(printed).
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from support import free_port, load, within_goal

REPO = Path(__file__).resolve().parent.parent


def group_cpu(pgid):
    """CPU seconds of the live processes of a process group, with their finished children."""
    total = 0
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, …
            # utime, stime, cutime, cstime; a live parent's cutime already holds its finished
            # children, and a live child is counted once, by itself.
            total += sum(int(x) for x in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def served(url):
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url, timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def make_run(clone, env, label, timeout):
    """Start `make run`, echo its output with timestamps; (seconds, CPU seconds) to a served
    page."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    print(f"\n== {label}: make run PORT={port} (load {load()})", flush=True)
    start = time.monotonic()
    proc = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )

    def echo():
        for line in proc.stdout:
            print(f"  {time.monotonic() - start:6.1f}s  {line.rstrip()}", flush=True)

    reader = threading.Thread(target=echo, daemon=True)
    reader.start()
    try:
        while time.monotonic() - start < timeout:
            if proc.poll() is not None:
                raise SystemExit(f"make run stopped (exit code {proc.returncode})")
            if served(url):
                elapsed = time.monotonic() - start
                cpu = group_cpu(proc.pid)
                print(f"  {elapsed:6.1f}s  {url} answered 200", flush=True)
                return elapsed, cpu
            time.sleep(0.5)
        raise SystemExit(f"no page after {timeout} s")
    finally:
        stop(proc)
        reader.join(timeout=5)


def stop(proc):
    """Ctrl-C to the server, as a person would; then the rest of the group if it lingers."""
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
            if os.getpgid(int(pid)) == proc.pid and b"rundemo" in args:
                os.kill(int(pid), signal.SIGINT)
        except (ValueError, OSError):
            continue
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--goal", type=float, default=120, help="seconds (default 120)")
    parser.add_argument("--with-cache", action="store_true", help="keep pip's and uv's caches")
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--repo", default=str(REPO), help="repository to clone (this one)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="cesiq-make-run-"))
    clone = workdir / "clone"
    subprocess.run(["git", "clone", "--quiet", args.repo, str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.pop("REDIS_URL", None)
    env.pop("VIRTUAL_ENV", None)
    if not args.with_cache:
        env.update(PIP_NO_CACHE_DIR="1", UV_NO_CACHE="1")
    try:
        fresh, fresh_cpu = make_run(clone, env, "fresh clone", args.timeout)
        again, again_cpu = make_run(clone, env, "second run", args.timeout)
    finally:
        if args.keep:
            print(f"clone kept in {clone}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"\nload average now: {load()} on {os.cpu_count()} CPUs")
    print(f"fresh clone → served page: {fresh:6.1f} s wall, {fresh_cpu:6.1f} s CPU")
    print(f"second make run:           {again:6.1f} s wall, {again_cpu:6.1f} s CPU")
    return within_goal(fresh, args.goal)


if __name__ == "__main__":
    sys.exit(main())
