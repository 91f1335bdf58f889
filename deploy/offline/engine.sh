#!/usr/bin/env bash
# Start or stop a local Docker engine (Debian's docker.io 20.10) on a machine without
# systemd and without a container registry. See README.md in this folder.
#
#   deploy/offline/engine.sh start    install docker.io + docker-compose if absent, start dockerd if no engine answers
#   deploy/offline/engine.sh stop     stop dockerd, but only if this script started it
#   deploy/offline/engine.sh status   say whether an engine answers and who started it
#
# Environment (all optional):
#   ENGINE_STATE_DIR     where the pid file lives            (default /run/offline-engine)
#   ENGINE_LOG           dockerd's log file                  (default /var/log/offline-dockerd.log)
#   ENGINE_START_TIMEOUT seconds to wait for `docker info`    (default 60)
#   ENGINE_STOP_TIMEOUT  seconds to wait for dockerd to exit  (default 45)
#   DOCKERD_ARGS         extra dockerd flags, e.g. "--storage-driver=vfs" or "--iptables=false"
#   DOCKER               docker client to use                (default: `docker` on PATH)
set -Eeuo pipefail

STATE_DIR="${ENGINE_STATE_DIR:-/run/offline-engine}"
PID_FILE="$STATE_DIR/dockerd.pid"
LOG_FILE="${ENGINE_LOG:-/var/log/offline-dockerd.log}"
START_TIMEOUT="${ENGINE_START_TIMEOUT:-60}"
STOP_TIMEOUT="${ENGINE_STOP_TIMEOUT:-45}"
DOCKER="${DOCKER:-docker}"

log() { printf '[engine] %s\n' "$*"; }
die() { printf '[engine] ERROR: %s\n' "$*" >&2; exit 1; }

need_root() { [ "$(id -u)" -eq 0 ] || die "run as root (installs packages, starts dockerd)"; }

# True when some engine answers on the default socket (or $DOCKER_HOST).
engine_answers() { "$DOCKER" info >/dev/null 2>&1; }

# Pid recorded by this script, if that process is still a live dockerd. Prints it.
our_pid() {
  [ -s "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 1
  printf '%s\n' "$pid"
}

# The docker client on PATH may be newer (e.g. v28, API 1.50) than the 20.10 engine
# (API 1.41). Clients negotiate the version down by themselves; only if that fails do we
# tell the caller to pin DOCKER_API_VERSION.
check_api() {
  local out
  if out="$("$DOCKER" version --format '{{.Client.Version}} (API {{.Client.APIVersion}}) -> engine {{.Server.Version}} (API {{.Server.APIVersion}})' 2>&1)"; then
    log "client $(command -v "$DOCKER"): $out"
  elif grep -qi 'too new\|client version' <<<"$out"; then
    log "client/engine API mismatch: $out"
    log "export DOCKER_API_VERSION=1.41 (engine 20.10) before using this client"
  else
    log "docker version failed: $out"
  fi
}

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install ${missing[*]} by hand"
  log "installing ${missing[*]} with apt-get"
  local t0=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/offline-engine-apt.log 2>&1; then
    log "apt-get install failed; running apt-get update and retrying"
    apt-get update -q >>/tmp/offline-engine-apt.log 2>&1 || true
    apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/offline-engine-apt.log 2>&1 \
      || { tail -20 /tmp/offline-engine-apt.log >&2; die "apt-get install ${missing[*]} failed (log /tmp/offline-engine-apt.log)"; }
  fi
  log "installed ${missing[*]} in $((SECONDS - t0)) s"
  command -v dockerd >/dev/null 2>&1 || die "dockerd still not on PATH after installing docker.io"
}

cmd_start() {
  need_root
  install_packages
  command -v "$DOCKER" >/dev/null 2>&1 || DOCKER=/usr/bin/docker

  local pid
  if engine_answers; then
    if pid="$(our_pid)"; then
      log "engine already running (started earlier by this script, pid $pid); nothing to do"
    else
      log "an engine already answers (not started by this script); leaving it alone"
    fi
    check_api
    echo "started=no"
    return 0
  fi

  if pid="$(our_pid)"; then
    die "dockerd pid $pid (started by this script) is alive but does not answer; see $LOG_FILE or run '$0 stop'"
  fi
  rm -f "$PID_FILE"
  if [ -s /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    die "a dockerd (pid $(cat /var/run/docker.pid), not ours) is running but does not answer; not touching it"
  fi

  mkdir -p "$STATE_DIR" "$(dirname "$LOG_FILE")"
  log "starting dockerd (log $LOG_FILE)"
  local t0 now
  t0=$(date +%s%N)
  # setsid: own session, so dockerd outlives this shell and its process group.
  # shellcheck disable=SC2086
  setsid dockerd ${DOCKERD_ARGS:-} >>"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"

  local deadline=$((SECONDS + START_TIMEOUT))
  until engine_answers; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -25 "$LOG_FILE" >&2 || true
      die "dockerd exited during start-up (see $LOG_FILE). Hints: iptables errors -> DOCKERD_ARGS=--iptables=false; overlay errors -> DOCKERD_ARGS=--storage-driver=vfs"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      rm -f "$PID_FILE"
      tail -25 "$LOG_FILE" >&2 || true
      die "dockerd did not answer within ${START_TIMEOUT}s; stopped it (see $LOG_FILE)"
    fi
    sleep 0.3
  done
  now=$(date +%s%N)
  # dockerd writes its own pid file; it must be the process we started.
  if [ -s /var/run/docker.pid ] && [ "$(cat /var/run/docker.pid)" != "$pid" ]; then
    log "warning: /var/run/docker.pid says $(cat /var/run/docker.pid), we started $pid"
  fi
  log "started dockerd pid $pid; ready after $(( (now - t0) / 1000000 )) ms"
  log "storage driver $("$DOCKER" info --format '{{.Driver}}' 2>/dev/null), cgroup $("$DOCKER" info --format '{{.CgroupDriver}} v{{.CgroupVersion}}' 2>/dev/null)"
  check_api
  echo "started=yes pid=$pid"
}

cmd_stop() {
  need_root
  local pid
  if ! pid="$(our_pid)"; then
    if [ -e "$PID_FILE" ]; then
      rm -f "$PID_FILE"
      log "pid file was stale (dockerd already gone); removed it"
    else
      log "no engine started by this script; nothing to stop"
    fi
    engine_answers && log "note: an engine not started by this script still answers; left alone"
    echo "stopped=no"
    return 0
  fi
  # dockerd started its own containerd; remember it in case we must force-stop.
  local ctr_pid=""
  [ -s /var/run/docker/containerd/containerd.pid ] && ctr_pid="$(cat /var/run/docker/containerd/containerd.pid)"

  log "stopping dockerd pid $pid (SIGTERM; running containers get stopped first)"
  local t0=$SECONDS
  kill -TERM "$pid"
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "dockerd did not exit within ${STOP_TIMEOUT}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      if [ -n "$ctr_pid" ] && kill -0 "$ctr_pid" 2>/dev/null \
         && [ "$(cat "/proc/$ctr_pid/comm" 2>/dev/null)" = containerd ]; then
        log "stopping dockerd's containerd pid $ctr_pid"
        kill -TERM "$ctr_pid" 2>/dev/null || true
      fi
      break
    fi
    sleep 0.3
  done
  kill -0 "$pid" 2>/dev/null && die "dockerd pid $pid is still alive"
  rm -f "$PID_FILE"
  log "dockerd stopped in $((SECONDS - t0)) s (images stay in /var/lib/docker)"
  echo "stopped=yes pid=$pid"
}

cmd_status() {
  local pid
  command -v "$DOCKER" >/dev/null 2>&1 || { log "no docker client installed"; return 1; }
  if engine_answers; then
    if pid="$(our_pid)"; then log "engine answers; started by this script (pid $pid)"
    else log "engine answers; not started by this script"; fi
    check_api
  else
    log "no engine answers"
    if pid="$(our_pid)"; then log "but dockerd pid $pid (ours) is alive; see $LOG_FILE"; fi
    return 1
  fi
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
