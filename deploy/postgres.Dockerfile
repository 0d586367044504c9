# A PostgreSQL image from Debian's own package, for machines that reach no image registry.
#
# It answers as the official postgres image does for compose.yaml: POSTGRES_USER, _PASSWORD and
# _DB make the database on the first start, the data live in /var/lib/postgresql/data, and
# pg_isready is on the PATH. deploy/smoke builds it with POSTGRES_IMAGE=local:
#   docker build -f deploy/postgres.Dockerfile --build-arg BASE_IMAGE=pausewatch-base:bookworm deploy
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
# No cluster made by the package: the entry point makes one in the volume. apt trusts the
# system's CAs plus the extra CA (when given): apt-with-ca and the secret are mounted for this
# RUN only, so no layer holds either.
RUN --mount=type=secret,id=extra_ca \
    --mount=type=bind,source=apt-with-ca,target=/usr/local/bin/apt-with-ca \
    mkdir -p /etc/postgresql-common \
    && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
    && apt-with-ca update -q \
    && DEBIAN_FRONTEND=noninteractive apt-with-ca install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confold postgresql \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
    && ln -s /usr/lib/postgresql/*/bin /usr/local/lib/postgresql-bin \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown postgres:postgres /var/lib/postgresql/data /var/run/postgresql \
    && chmod 700 /var/lib/postgresql/data
COPY postgres-entrypoint /usr/local/bin/
ENV PATH=/usr/local/lib/postgresql-bin:$PATH PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
USER postgres
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["postgres-entrypoint"]
