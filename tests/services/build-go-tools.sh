#!/usr/bin/env bash
# Builds the Go servers the media tests need (livekit-server, MinIO) once, at pinned
# versions, into a tools folder outside the clone (CI clones afresh; this folder survives).
# Usage: build-go-tools.sh [livekit|minio|all]   — prints the binary path (livekit, minio)
# or the tools folder (all).
set -euo pipefail
LIVEKIT_VERSION="${LIVEKIT_VERSION:-v1.13.5}"
MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
TOOLS_DIR="${SYNAPSE_TOOLS_DIR:-$HOME/.cache/synapse-live/tools}"
what="${1:-all}"

build() { # name module version binary
  local dir="$TOOLS_DIR/$1-$3"
  BUILT="$dir/$4"
  if [ -x "$dir/$4" ]; then return 0; fi
  mkdir -p "$dir"
  echo "building $1 $3 into $dir (once; takes minutes)" >&2
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
  pkg="${5:-.}"
  # Build beside the target and rename, so nobody ever runs a half-written binary.
  (cd "$work" && go build -trimpath -o "$dir/$4.partial" "$pkg") >&2
  mv "$dir/$4.partial" "$dir/$4"
  rm -rf "$work"
  exec {lock}>&-
}

export PATH="$PATH:/usr/local/go/bin"
case "$what" in
  livekit) build livekit-server github.com/livekit/livekit-server "$LIVEKIT_VERSION" server ./cmd/server && echo "$BUILT" && exit 0 ;;
  minio) build minio github.com/minio/minio "$MINIO_VERSION" minio && echo "$BUILT" && exit 0 ;;
  all)
    build livekit-server github.com/livekit/livekit-server "$LIVEKIT_VERSION" server ./cmd/server
    build minio github.com/minio/minio "$MINIO_VERSION" minio
    ;;
  *) echo "usage: $0 [livekit|minio|all]" >&2; exit 2 ;;
esac
echo "$TOOLS_DIR"
