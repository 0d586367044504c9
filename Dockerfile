# The pausewatch image: the bot, its HTTP side and every extra, installed from requirements.lock.
#
#   docker build -t pausewatch .
#   docker run -d -i -p 127.0.0.1:8080:8080 -v pausewatch-data:/data pausewatch
#
# Behind a proxy with its own certificate authority, pass its bundle as a build secret: it is
# trusted while packages are installed and never lands in the image (README, "Deploy"):
#   docker build --secret id=extra_ca,src=/etc/ssl/certs/ca-certificates.crt -t pausewatch .
# BASE_IMAGE may be any Debian-like image with python3 (3.11) and its venv module: the venv
# at /opt/pausewatch is made the same way on python:3.11-slim and on Debian's python3.
ARG BASE_IMAGE=python:3.11-slim

FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1
RUN python3 -m venv /opt/pausewatch
# pip trusts its own bundle plus the extra CA (when given): the secret is mounted for these
# RUNs only, so no layer holds it, and this stage is not the image.
COPY deploy/pip-with-ca /usr/local/bin/
# The dependencies first, from the lock, hashes checked: this layer is rebuilt only when the
# lock changes, not at every change to the code.
COPY requirements.lock /src/
RUN --mount=type=secret,id=extra_ca \
    pip-with-ca install --no-compile --require-hashes --no-deps -r /src/requirements.lock
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY storage /src/storage
# What the bot never runs stays out (the image under 400 MB): pip and setuptools, the
# libraries' own test suites, and compiled bytecode (written at run time, below).
RUN --mount=type=secret,id=extra_ca \
    pip-with-ca install --no-compile --no-deps /src \
    && /opt/pausewatch/bin/python -m pip uninstall -q -y pip setuptools \
    && find /opt/pausewatch -depth \( -name tests -o -name __pycache__ \) -type d \
        -exec rm -rf {} + \
    && /opt/pausewatch/bin/pausewatch --version

FROM ${BASE_IMAGE}
# A user of its own, without a login; /data (its home) holds the SQLite file and the charts.
# Its uid and gid are fixed (10001), and USER below names them as numbers: Kubernetes'
# runAsNonRoot can tell a number is not root, not a name.
RUN groupadd --system --gid 10001 pausewatch \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin pausewatch \
    && mkdir -p /data && chown 10001:10001 /data
COPY --from=build /opt/pausewatch /opt/pausewatch
# Bytecode is compiled for what is imported, at the first start of a container, into its own
# /tmp (94 MB less image than compiling every module at build time; a restart reuses it).
ENV PATH=/opt/pausewatch/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONPYCACHEPREFIX=/tmp/pycache \
    PAUSEWATCH_WEB_PORT=8080
# The working directory is the volume: the default database URL (pausewatch.db), charts/ and
# config/pausewatch.toml are all read and written relative to it.
WORKDIR /data
VOLUME /data
USER 10001:10001
EXPOSE 8080
# /readyz answers 200 once the database answers, the schema is current and every chat
# platform is connected.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % (os.environ.get('PAUSEWATCH_WEB_PORT') or 8080), timeout=4)"]
ENTRYPOINT ["pausewatch"]
CMD ["run"]
