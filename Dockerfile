# syntax=docker/dockerfile:1
# gonghui API image: build with `docker build -t gonghui .`, run with
#   docker run -p 8000:8000 -v gonghui-data:/data \
#     -e GONGHUI_SECRET_KEY=... -e GONGHUI_PII_KEYS='["<key from gonghui new-pii-key>"]' \
#     -e GONGHUI_PII_HMAC_KEY=... \
#     -v ./admin_password.txt:/run/secrets/admin_password:ro \
#     -e GONGHUI_ADMIN_PASSWORD_FILE=/run/secrets/admin_password gonghui
# The image runs in production mode, so it refuses to start without those secrets. On start it migrates
# and, while the database has no user, creates the first admin `admin` with the password from
# GONGHUI_ADMIN_PASSWORD_FILE (a Docker/Kubernetes secret); without that file it creates nobody and says
# how: `docker exec -it <container> gonghui create-admin --username admin` (prompts for the password).
# The embedded SQLite database lives on the /data volume; point GONGHUI_DATABASE_URL at PostgreSQL to use
# a server instead.

# --- builder: install the project and its pinned dependencies into a virtualenv ------------------------
FROM python:3.11-slim AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY api ./api
COPY migrations ./migrations
# a regular (not editable) install: the venv alone is the application, migrations included
RUN pip install --upgrade pip \
    && pip install -c constraints.txt . \
    && python -c "import api.main, api.db.migrate as m; assert m.MIGRATIONS_DIR.is_dir()" \
    && python -c "from api import i18n; assert i18n.message('not_found', 'zh') != i18n.message('not_found', 'en')"

# --- runtime: the venv on a slim Python, run as an unprivileged user ------------------------------------
FROM python:3.11-slim AS runtime

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    GONGHUI_ENV=production \
    GONGHUI_DATABASE_URL=sqlite:////data/gonghui.db

RUN groupadd --system --gid 10001 gonghui \
    && useradd --system --uid 10001 --gid gonghui --home-dir /app --no-create-home --shell /usr/sbin/nologin gonghui \
    && mkdir -p /app /data \
    && chown gonghui:gonghui /app /data

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8000

# slim has no curl: ask /readyz (database reachable, schema at head) with the Python that is there
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status == 200 else 1)"]

# Migrate and make the first admin (bootstrap: the password from GONGHUI_ADMIN_PASSWORD_FILE), then replace
# the shell with `gonghui serve` (uvicorn) so it receives SIGTERM directly. GONGHUI_WORKERS processes
# (default 1; one per core the container may use) share the port. Behind a reverse proxy, set
# GONGHUI_TRUSTED_PROXIES to the proxy's address (JSON list) so the app believes its X-Forwarded-For and
# X-Forwarded-Proto; uvicorn itself trusts no forwarded header and sends no Server header.
# On PostgreSQL, run job workers from the same image with the same environment (and the same volume at
# GONGHUI_IMPORT_SPOOL_DIR, e.g. /data/imports): `docker run ... gonghui worker` (its HEALTHCHECK does not
# apply: override it with --no-healthcheck, or scrape `gonghui worker --metrics-port 9100`).
CMD ["sh", "-c", "gonghui bootstrap && exec gonghui serve --host 0.0.0.0 --port 8000"]
