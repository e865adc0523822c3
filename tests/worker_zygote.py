"""A process that has done once what every Celery worker does before it is ready (import
Django, Wagtail and the site's tasks: most of a worker's start, 1.5 s of CPU and more on this
machine), then forks a real `celery worker` each time a test asks, in a process group of its
own, as if started from the command line. A test that kills workers again and again
(tests/orders/test_outbox_kill.py) starts each new one in milliseconds instead.

Run by `tests.faults.WorkerZygote` with the workers' environment (settings are read once,
here). It reads one request per line on stdin, `name<TAB>log file<TAB>worker options…`, and
answers the new worker's pid. `name` becomes the worker's PGAPPNAME (its PostgreSQL
connections carry it). Nothing here opens a connection to PostgreSQL or Redis before forking:
a socket shared by two processes would mix their conversations.
"""

import os
import signal
import sys


def reap(*_):
    """Collect the workers that ended (killed ones too), so that none stays a zombie."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def worker(app, name, log, options):
    """In the forked child: become the worker (never returns)."""
    os.setsid()  # its own group: the test kills it with its pool, as a container is killed
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.environ["PGAPPNAME"] = name
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    code = 0
    try:
        app.worker_main(["worker", "--loglevel=WARNING", *options])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main():
    import django

    from cesiq_site.celery import app

    django.setup()
    app.loader.import_default_modules()  # the site's tasks
    import celery.apps.worker  # noqa: F401  the worker's own modules
    import celery.worker.consumer  # noqa: F401
    import kombu.transport.redis  # noqa: F401

    signal.signal(signal.SIGCHLD, reap)
    print("ready", flush=True)
    for line in sys.stdin:
        name, log, *options = line.rstrip("\n").split("\t")
        pid = os.fork()
        if pid == 0:
            worker(app, name, log, options)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
