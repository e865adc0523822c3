# syntax=docker/dockerfile:1
# Production image: gunicorn serving Django/Wagtail, static files by WhiteNoise.
# The same image runs the web process, the Celery worker, beat and the one-off migrate job.
#
# Podman and buildah build OCI images by default, which have no HEALTHCHECK: build with
# `--format docker` to keep it (see README, "Deployment").

ARG PYTHON_VERSION=3.11

# --- build: install the locked dependencies into a virtualenv -----------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /venv
COPY requirements.lock /tmp/requirements.lock
RUN /venv/bin/pip install --require-hashes -r /tmp/requirements.lock

# --- runtime ---------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
ENV PATH=/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=cesiq_site.settings.production \
    CESIQ_VAR_DIR=/app/var \
    DJANGO_STATIC_ROOT=/app/static \
    DJANGO_MEDIA_ROOT=/app/var/media \
    PORT=8000

RUN apt-get update \
    && apt-get install -y --no-install-recommends libjpeg62-turbo zlib1g libwebp7 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 cesiq \
    && useradd --system --uid 10001 --gid cesiq --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin cesiq

COPY --from=build /venv /venv
WORKDIR /app

# Only what the application needs (never the whole context: no tests, dev tools or demo, and
# .dockerignore keeps secrets and caches out of these folders too). Owned by root: the
# runtime user reads the code and cannot change it.
COPY manage.py ./
COPY cesiq_site ./cesiq_site
COPY home ./home
COPY events ./events
COPY orders ./orders
COPY shop ./shop
COPY search ./search
COPY news ./news
COPY resources ./resources
COPY donations ./donations
COPY memberships ./memberships
COPY schools ./schools
COPY contact ./contact
COPY newsletter ./newsletter
COPY reports ./reports
COPY network ./network

# Static files (collected once, from the apps' static folders) and translations are built into
# the image, as root; a throwaway key is enough for that. Only var/ (uploads) is writable.
RUN DJANGO_SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(60))') \
    python manage.py collectstatic --noinput \
    && DJANGO_SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(60))') \
    python manage.py compile_translations \
    && python -m compileall -q /app \
    && chmod -R u=rwX,go=rX /app \
    && mkdir -p /app/var/media \
    && chown -R cesiq:cesiq /app/var

USER 10001:10001
EXPOSE 8000
# Asks gunicorn for /healthz with a Host header that DJANGO_ALLOWED_HOSTS accepts
# (DJANGO_HEALTHCHECK_HOST, else the first allowed host); standard library only, no Django.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/cesiq_site/healthcheck.py", "web"]

# Migrations run in their own one-off job (see docker-compose.yml), never at web start.
# Process model: gthread workers, one process per core (WEB_CONCURRENCY, default 2) with
# WEB_THREADS threads each (default 4). A request spends much of its time waiting (PostgreSQL,
# the row lock of a popular date, Redis, Stripe's API while the registration creates the
# Checkout Session): a sync worker would sit idle meanwhile, a thread lets its process serve
# another request. Measured by bench/checkout_http.py (see bench/README.md).
CMD ["sh", "-c", "exec gunicorn cesiq_site.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-2} --worker-class gthread --threads ${WEB_THREADS:-4} --access-logfile - --forwarded-allow-ips='*'"]
