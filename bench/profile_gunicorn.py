"""gunicorn hooks for `checkout_http.py --profile DIR`: each worker profiles itself with
cProfile and writes DIR/web-<pid>.prof when it exits. cProfile sees one thread only: profile
with `--worker-class sync`, then read the files with `python -m pstats`."""

import cProfile
import os


def post_fork(server, worker):
    worker.profile = cProfile.Profile()
    worker.profile.enable()


def worker_exit(server, worker):
    profile = getattr(worker, "profile", None)
    if profile is not None:
        profile.disable()
        folder = os.environ["CESIQ_BENCH_PROFILE"]
        profile.dump_stats(os.path.join(folder, f"web-{worker.pid}.prof"))
