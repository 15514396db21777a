# Tandem application image: `tandem serve` (default) or `tandem worker`.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY search ./search
COPY migrations ./migrations
COPY frontend ./frontend
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TANDEM_DATABASE_URL=sqlite+aiosqlite:////data/tandem.db
RUN useradd --create-home --uid 10001 tandem \
    && mkdir -p /data/media && chown -R tandem:tandem /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER tandem
WORKDIR /home/tandem
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["tandem", "serve", "--host", "0.0.0.0", "--port", "8000"]
