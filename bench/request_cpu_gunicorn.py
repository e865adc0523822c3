"""gunicorn hooks for `checkout_http.py --request-cpu`: each worker notes, for every request,
when it started (wall clock), its method and path, and the CPU its thread spent on it (from
the request parsed to the response written: the middleware, the view, the page cache,
gunicorn writing the answer), and writes them to CESIQ_BENCH_REQUEST_CPU/requests-<pid>.json
when it exits. Thread CPU: what waiting for PostgreSQL, Redis or a lock costs is not in it."""

import json
import os
import time

RECORDS = []


def pre_request(worker, req):
    req.cesiq_started = (time.time(), time.thread_time())


def post_request(worker, req, environ, resp):
    started = getattr(req, "cesiq_started", None)
    if started is not None:
        wall, cpu = started
        RECORDS.append((wall, req.method, req.path, time.thread_time() - cpu))


def worker_exit(server, worker):
    folder = os.environ["CESIQ_BENCH_REQUEST_CPU"]
    with open(os.path.join(folder, f"requests-{worker.pid}.json"), "w") as out:
        json.dump(RECORDS, out)
