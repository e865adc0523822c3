# syntax=docker/dockerfile:1
# Production image: gunicorn serving Django/Wagtail, static files by WhiteNoise.
# The same image runs the web process, the Celery worker, beat and the one-off migrate job.

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
    && apt-get install -y --no-install-recommends libjpeg62-turbo zlib1g libwebp7 curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system cesiq && useradd --system --gid cesiq --home /app cesiq

COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=cesiq:cesiq . /app

# Static files and translations are built into the image; a throwaway key is enough for that.
RUN DJANGO_SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(60))') \
    python manage.py collectstatic --noinput \
    && DJANGO_SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(60))') \
    python manage.py compile_translations \
    && mkdir -p /app/var/media && chown -R cesiq:cesiq /app/var /app/static

USER cesiq
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT}/healthz" -H "X-Forwarded-Proto: https" || exit 1

# Migrations run in their own one-off job (see docker-compose.yml), never at web start.
CMD ["sh", "-c", "exec gunicorn cesiq_site.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --access-logfile - --forwarded-allow-ips='*'"]
