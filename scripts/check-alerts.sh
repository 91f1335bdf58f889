#!/usr/bin/env bash
# Checks the Prometheus alerting rules and runs their unit tests:
#   promtool check rules deploy/prometheus/alerts.yml
#   promtool test rules  deploy/prometheus/alerts.test.yml
# and that every alert has a test and a runbook section (its runbook_url's anchor in docs/runbook.md).
# Usage: bash scripts/check-alerts.sh   (from anywhere; it works from the repository root).
# Needs promtool: installs Debian's `prometheus` package when it is missing (as root, or with sudo),
# and stops a Prometheus server the install may have started (only promtool is wanted).
# Ends with one summary line; exits non-zero on any failure.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

RULES=deploy/prometheus/alerts.yml
TESTS=deploy/prometheus/alerts.test.yml
RUNBOOK=docs/runbook.md

fail() {
  echo "check-alerts: FAILED: $*"
  exit 1
}

install_promtool() {
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "promtool is missing and installing it needs root (apt-get install prometheus)"
    sudo=(sudo)
  fi
  local running_before
  running_before=$(pgrep -x prometheus || true)
  echo "promtool not found: installing Debian's prometheus package" >&2
  local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get)
  if ! "${apt[@]}" install -y -qq --no-install-recommends prometheus >/dev/null; then
    "${apt[@]}" update -qq >/dev/null || fail "apt-get update failed"
    "${apt[@]}" install -y -qq --no-install-recommends prometheus >/dev/null || fail "apt-get install prometheus failed"
  fi
  # On a machine with systemd the package starts a server; leave none behind that was not running before.
  if [ -z "$running_before" ] && command -v systemctl >/dev/null 2>&1 \
    && systemctl is-active --quiet prometheus 2>/dev/null; then
    "${sudo[@]}" systemctl stop prometheus || true
  fi
  command -v promtool >/dev/null 2>&1 || fail "promtool still missing after installing prometheus"
}

command -v promtool >/dev/null 2>&1 || install_promtool
version=$(promtool --version 2>&1 | head -n 1 | sed -n 's/.*version \([^ ]*\).*/\1/p')

for file in "$RULES" "$TESTS" "$RUNBOOK"; do
  [ -f "$file" ] || fail "$file not found"
done

if ! output=$(promtool check rules "$RULES" 2>&1); then
  echo "$output"
  fail "promtool check rules $RULES"
fi

if ! output=$(promtool test rules "$TESTS" 2>&1); then
  echo "$output"
  fail "promtool test rules $TESTS"
fi

# Every alert is tested and has its runbook section.
problems=()
mapfile -t alerts < <(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$RULES")
mapfile -t anchors < <(sed -n 's/^ *runbook_url: *docs\/runbook\.md#\([A-Za-z0-9_-]*\).*/\1/p' "$RULES")
[ "${#alerts[@]}" -gt 0 ] || problems+=("no alert found in $RULES")
[ "${#anchors[@]}" -eq "${#alerts[@]}" ] \
  || problems+=("${#alerts[@]} alerts but ${#anchors[@]} runbook_url annotations pointing into $RUNBOOK")
for alert in "${alerts[@]}"; do
  grep -Eq "^ *alertname: *${alert} *$" "$TESTS" || problems+=("alert $alert has no test in $TESTS")
done
for anchor in "${anchors[@]}"; do
  grep -q "id=\"${anchor}\"" "$RUNBOOK" || problems+=("$RUNBOOK has no anchor #$anchor")
done
if [ "${#problems[@]}" -gt 0 ]; then
  printf '  %s\n' "${problems[@]}"
  fail "${#problems[@]} problem(s) linking alerts, tests and runbook"
fi

groups=$(sed -n '/^tests:/,$p' "$TESTS" | grep -cE '^  - name:')
alert_cases=$(grep -cE '^ *alertname:' "$TESTS")
expr_cases=$(grep -cE '^ *- expr:' "$TESTS")
echo "check-alerts: OK: ${#alerts[@]} alerts valid, ${alert_cases} alert evaluations and ${expr_cases} expression checks in ${groups} test groups pass (promtool ${version:-unknown})"
