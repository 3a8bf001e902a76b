# The prediction service only: app/ and models/, no training code, no data, no secrets.
# Build: docker build -t cgpa-predictor .   (see README for mirrors and offline builds)

FROM python:3.11-slim AS build
# PyTorch's CPU index keeps the multi-GB CUDA build out; override for a mirror.
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
# Extra wheel locations (e.g. a local folder served over HTTP) for offline builds.
ARG PIP_FIND_LINKS=
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# torch first, from the CPU index, so the project's exact pin is already satisfied below.
RUN pip install --extra-index-url "$TORCH_INDEX_URL" ${PIP_FIND_LINKS:+--find-links "$PIP_FIND_LINKS"} \
        torch==2.13.0
COPY pyproject.toml README.md ./src/
COPY app ./src/app
RUN pip install ${PIP_FIND_LINKS:+--find-links "$PIP_FIND_LINKS"} ./src

FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    CGPA_MODEL_PATH=/srv/models/cgpa_rnn.pt \
    WEB_CONCURRENCY=1
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin cgpa
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv
# The default store: /srv/data/cgpa.sqlite3 (data/ under the working directory) and its key
# file. Owned by the service user, so a volume mounted here (empty named volumes copy the
# ownership) is writable while the root filesystem stays read-only.
RUN mkdir /srv/data && chown 10001:10001 /srv/data && chmod 0700 /srv/data
# Readable by the service user whatever the mode the files had in the build context.
COPY --chmod=0644 models/cgpa_rnn.pt models/cgpa_rnn.json ./models/
USER 10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/ready', timeout=2).status != 200)"]
# `python -m app` runs uvicorn with $WEB_CONCURRENCY workers and exits 0 after a graceful
# SIGTERM; exec form, so it is PID 1 and receives the signal directly.
CMD ["python", "-m", "app", "--host", "0.0.0.0", "--port", "8000"]
