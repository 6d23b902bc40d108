# xero-wa as a container: `xero-wa serve` by default; any sub-command as the command
# (docker-compose.yml runs `db upgrade`, two `serve --no-worker` and one `worker`).
# Small: a slim Python, the wheel and its dependencies only (no compiler, no sources, no tests).
# Non-root: the process runs as user `xero` (uid 10001), its data home /data owned by it.

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md component.yaml ./
COPY component ./component
COPY actions ./actions
COPY triggers ./triggers
COPY datasources ./datasources
COPY connections ./connections
# The wheel bundles the YAML specs; [postgres] adds psycopg 3 and its pool.
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[postgres]"

FROM python:3.12-slim
RUN useradd --system --uid 10001 --user-group --home-dir /data --create-home xero
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels "xero-wa[postgres]" \
    && rm -rf /wheels
USER xero
WORKDIR /data
ENV XERO_WA_HOME=/data \
    XERO_WA_HOST=0.0.0.0 \
    XERO_WA_PORT=8000 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
EXPOSE 8000
# Liveness of `serve`: /healthz answers 200 (python's own urllib: the image has no curl).
# A `worker` container has no HTTP port: docker-compose.yml disables this check for it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('XERO_WA_PORT', '8000'), timeout=4)"]
ENTRYPOINT ["xero-wa"]
CMD ["serve"]
