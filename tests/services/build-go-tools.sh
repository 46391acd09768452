#!/usr/bin/env bash
# Builds the Go servers the media tests need (livekit-server, MinIO, LiveKit's ingress) once,
# at pinned versions, into a tools folder outside the clone (CI clones afresh; this folder
# survives). The ingress is cgo against GStreamer (tests/setup.ts installs Debian's packages).
# Mailpit (an SMTP catcher with an HTTP API: the notification e-mails' tests), promtool (checks
# the Prometheus alert rules) and kubeconform (checks the Kubernetes manifests) are small tools
# built on demand by the tests that use them (`all` leaves them out too).
# Usage: build-go-tools.sh [livekit|minio|ingress|mailpit|promtool|kubeconform|all]   — prints the binary path (livekit,
# minio, ingress) or the tools folder (all). The ingress binary is named `ingress` because the
# ingress service launches a child of that name from PATH: put its folder on PATH.
# Centrifugo is the fan-out benchmark's peer only (`centrifugo`): built on demand by the
# bench, never by the test suite (`all` leaves it out, so CI does not build it).
set -euo pipefail
LIVEKIT_VERSION="${LIVEKIT_VERSION:-v1.13.5}"
MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
INGRESS_VERSION="${INGRESS_VERSION:-v1.5.0}"
CENTRIFUGO_VERSION="${CENTRIFUGO_VERSION:-v6.9.1}"
MAILPIT_VERSION="${MAILPIT_VERSION:-v1.33.1}"
PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-v0.316.0}"
KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-v0.8.0}"
TOOLS_DIR="${SYNAPSE_TOOLS_DIR:-$HOME/.cache/synapse-live/tools}"
what="${1:-all}"

build() { # name module version binary [package] [estimate] [folder version]
  local dir="$TOOLS_DIR/$1-${7:-$3}"
  BUILT="$dir/$4"
  if [ -x "$dir/$4" ]; then return 0; fi
  mkdir -p "$dir"
  echo "building $1 $3 into $dir (once; ${6:-takes minutes} on 2 cores)" >&2
  # `go install mod@version` refuses modules whose go.mod has replace directives
  # (livekit-server has some), so build inside a copy of the downloaded module.
  # One build at a time (two clones' test runs may start together); the one that waited
  # finds the binary already there.
  exec {lock}>"$dir/.build.lock"
  flock "$lock"
  if [ -x "$dir/$4" ]; then exec {lock}>&-; return 0; fi
  local src work pkg
  src=$(go mod download -json "$2@$3" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  work=$(mktemp -d)
  cp -r "$src/." "$work/" && chmod -R u+w "$work"
  if [ -n "${PATCH:-}" ]; then (cd "$work" && "$PATCH") >&2; fi
  pkg="${5:-.}"
  # Build beside the target and rename, so nobody ever runs a half-written binary.
  local started=$SECONDS
  # GOWORK=off: a module that ships a go.work naming folders left out of its zip (prometheus)
  # builds as the module alone.
  # A progress line every 30 s while it builds (a first build is minutes of silence otherwise).
  (cd "$work" && GOWORK=off go build -trimpath -o "$dir/$4.partial" "$pkg") >&2 &
  local pid=$! ticks=0
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    ticks=$((ticks + 1))
    if [ $((ticks % 30)) -eq 0 ] && kill -0 "$pid" 2>/dev/null; then
      echo "  ... building $1 $3: $((SECONDS - started)) s so far (usually ${6:-takes minutes})" >&2
    fi
  done
  wait "$pid" || return 1
  echo "built $1 $3 in $((SECONDS - started)) s" >&2
  mv "$dir/$4.partial" "$dir/$4"
  rm -rf "$work"
  exec {lock}>&-
}

# The ingress links GStreamer through cgo: without its development files the build cannot
# start, so say which packages are missing instead of failing deep inside the compiler.
build_ingress() {
  if ! pkg-config --exists gstreamer-1.0 gstreamer-app-1.0 gstreamer-pbutils-1.0 2>/dev/null; then
    echo "cannot build the LiveKit ingress: GStreamer development files are missing" \
      "(apt-get install pkg-config libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev" \
      "libgstreamer-plugins-bad1.0-dev gstreamer1.0-plugins-{base,good,bad,ugly} gstreamer1.0-libav)" >&2
    return 1
  fi
  # The version folder names the patch below, so a binary built without it is not reused.
  PATCH=patch_ingress_admission CGO_ENABLED=1 build ingress github.com/livekit/ingress \
    "$INGRESS_VERSION" ingress ./cmd/server "3-12 minutes" "$INGRESS_VERSION-admit"
}

# The ingress admits a stream only while the machine has idle CPU beyond a reserve (there is
# no setting to turn that off: a cost of 0 still needs idle > 0). On a saturated small machine
# (2 cores at 100 %, as CI runners and a shared box are) it refuses every stream with "server
# capacity exceeded". One opt-in line: with INGRESS_ADMIT_ALL set in its environment (the
# embedded server sets it) the whole machine counts as available; unset, it behaves as
# upstream. The build fails if the line it patches is not there.
patch_ingress_admission() {
  local f=pkg/stats/monitor.go
  grep -q '^	return m.cpuStats.GetCPUIdle() - m.pendingCPUs.Load() - minIdleRatio\*m.cpuStats.NumCPU()$' "$f" ||
    { echo "ingress patch: the admission line moved in $f" >&2; return 1; }
  sed -i -e 's/^	"fmt"$/	"fmt"\n	"os"/' \
    -e 's/^	return m.cpuStats.GetCPUIdle() - m.pendingCPUs.Load() - minIdleRatio\*m.cpuStats.NumCPU()$/	if os.Getenv("INGRESS_ADMIT_ALL") != "" {\n		return m.cpuStats.NumCPU()\n	}\n&/' "$f"
  grep -q 'INGRESS_ADMIT_ALL' "$f" || { echo "ingress patch did not apply" >&2; return 1; }
}

export PATH="$PATH:/usr/local/go/bin"
case "$what" in
  livekit) build livekit-server github.com/livekit/livekit-server "$LIVEKIT_VERSION" server ./cmd/server && echo "$BUILT" && exit 0 ;;
  minio) build minio github.com/minio/minio "$MINIO_VERSION" minio && echo "$BUILT" && exit 0 ;;
  ingress) build_ingress && echo "$BUILT" && exit 0 ;;
  mailpit) build mailpit github.com/axllent/mailpit "$MAILPIT_VERSION" mailpit . "a minute or two" && echo "$BUILT" && exit 0 ;;
  promtool) build promtool github.com/prometheus/prometheus "$PROMETHEUS_VERSION" promtool ./cmd/promtool "a few minutes" && echo "$BUILT" && exit 0 ;;
  kubeconform) build kubeconform github.com/yannh/kubeconform "$KUBECONFORM_VERSION" kubeconform ./cmd/kubeconform "a minute" && echo "$BUILT" && exit 0 ;;
  centrifugo) build centrifugo github.com/centrifugal/centrifugo/v6 "$CENTRIFUGO_VERSION" centrifugo && echo "$BUILT" && exit 0 ;;
  all)
    build livekit-server github.com/livekit/livekit-server "$LIVEKIT_VERSION" server ./cmd/server
    build minio github.com/minio/minio "$MINIO_VERSION" minio
    build_ingress
    ;;
  *) echo "usage: $0 [livekit|minio|ingress|mailpit|promtool|kubeconform|centrifugo|all]" >&2; exit 2 ;;
esac
echo "$TOOLS_DIR"
