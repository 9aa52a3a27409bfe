#!/usr/bin/env bash
# Installs what hearth-call needs from Debian 12's packages, only if something is missing.
# Usage: scripts/deps.sh [build|test|cluster]   (test adds the servers and tools the test suite starts; cluster
# the servers of `./dev cluster`)
set -euo pipefail

# ca-certificates: the trust store that https:// webhook receivers are verified against (docs/webhooks.md).
build_pkgs=(g++ cmake ninja-build pkg-config ccache ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev zlib1g-dev libbrotli-dev libjwt-dev liburing-dev libsqlite3-dev libpq-dev libhiredis-dev libspdlog-dev libfmt-dev libcli11-dev)
test_pkgs=(libgtest-dev libgmock-dev libbenchmark-dev sqlite3 clang-format systemd)
test_pkgs+=(clang libclang-rt-14-dev)  # libFuzzer with ASan+UBSan (scripts/fuzz.sh)
test_pkgs+=(chromium)  # the browser tests (tests/browser) drive Debian's Chromium
test_pkgs+=(coturn)  # the TURN tests (tests/integration/turn*, tests/browser/turn_relay) start turnserver
test_pkgs+=(redis-server)  # the Redis bus tests (tests/unit/cluster) start redis-server
test_pkgs+=(prometheus)  # promtool: the live /metrics scrape (tests/e2e/metrics_scrape) and the alert rules (tests/ops)
# A local cluster (tests/cluster, ./dev cluster): PostgreSQL 15, Redis and nginx, started on loopback by
# tests/cluster/lib; openssl makes the certificate for nginx -t of the TLS configuration.
cluster_pkgs=(postgresql redis-server nginx openssl)
test_pkgs+=("${cluster_pkgs[@]}")

pkgs=("${build_pkgs[@]}")
case "${1:-build}" in
  build) ;;
  test) pkgs+=("${test_pkgs[@]}") ;;
  cluster) pkgs+=("${cluster_pkgs[@]}") ;;
  *) echo "usage: scripts/deps.sh [build|test|cluster]" >&2; exit 2 ;;
esac
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
