# Offline stand-in for the official `redis` image: Debian's redis-server. Built by
# deploy/compose.offline.yml; the real deployment uses `redis`.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update -qq \
    && apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown redis:redis /data
# Like the official image: the append-only file lives in /data (a volume in compose).
WORKDIR /data
USER redis
EXPOSE 6379
CMD ["redis-server", "--protected-mode", "no"]
