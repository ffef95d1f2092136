#!/usr/bin/env bash
# `make image` (containerfile) and `make image-local` (local); see deploy/README.md.
#   containerfile  build deploy/Containerfile with podman, buildah or docker (whichever works;
#                  CONTAINER_ENGINE=… chooses). Needs the base images from their registries.
#   local          no registry needed: build the release binary here (cargo), then pack it with
#                  this machine's glibc into a FROM-scratch image with the same user, settings
#                  and entrypoint. For trying the image out on a glibc host, not for releases.
#                  TESSERA_BIN=path packs that binary instead of building one.
# IMAGE names the result (default ghcr.io/tessera/tessera:dev).
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=${1:-containerfile}
IMAGE=${IMAGE:-ghcr.io/tessera/tessera:dev}
BASE_IMAGES=$(sed -nE 's/^FROM ([^ ]+).*/\1/p' deploy/Containerfile)

engine() {
  if [ -n "${CONTAINER_ENGINE:-}" ]; then echo "$CONTAINER_ENGINE"; return; fi
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then echo docker; return; fi
  if command -v podman >/dev/null 2>&1; then echo podman; return; fi
  if command -v buildah >/dev/null 2>&1; then echo buildah; return; fi
  cat >&2 <<MSG
make image: no container engine here. Install one, e.g. \`apt-get install podman\` (Debian), or
start a Docker daemon; then run \`make image\` again.
MSG
  exit 1
}

ENGINE=$(engine)
build() { # build FILE CONTEXT
  case "$ENGINE" in
    buildah) buildah bud --layers -f "$1" -t "$IMAGE" "$2" ;;
    *) "$ENGINE" build -f "$1" -t "$IMAGE" "$2" ;;
  esac
}
report() {
  local size
  size=$("$ENGINE" image inspect --format '{{.Size}}' "$IMAGE" 2>/dev/null || echo '?')
  echo "make image: built $IMAGE with $ENGINE ($size bytes)"
}

case "$MODE" in
containerfile)
  for base in $BASE_IMAGES; do
    if ! "$ENGINE" pull -q "$base" >/dev/null 2>&1 && ! "$ENGINE" image inspect "$base" >/dev/null 2>&1; then
      cat >&2 <<MSG
make image: cannot pull the base image $base with $ENGINE.
deploy/Containerfile builds on
$(printf '  %s\n' $BASE_IMAGES)
and this machine cannot reach their registry (or the image name is wrong). Run \`make image\`
where those registries are reachable (a CI runner, a workstation), load the base images into
$ENGINE by other means, or use \`make image-local\`, which packs the binary built here onto a
scratch image without any registry.
MSG
      exit 1
    fi
  done
  build deploy/Containerfile .
  report
  ;;
local)
  if [ -n "${TESSERA_BIN:-}" ]; then
    bin=$TESSERA_BIN   # a release binary built before, e.g. by `make build`
  else
    ${CARGO:-cargo} build --release --locked -p tessera-bootstrap --bin tessera
    bin="${CARGO_TARGET_DIR:-target}/release/tessera"
  fi
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' EXIT
  root="$ctx/rootfs"
  mkdir -p "$root/etc/ssl/certs" "$root/tmp"
  chmod 1777 "$root/tmp"
  install -m 0755 "$bin" "$root/tessera"
  # The shared libraries the binary links (glibc, libgcc_s, the loader), at their own paths.
  for lib in $(ldd "$bin" | grep -oE '/[^ ]+'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' > "$root/etc/group"
  printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
  # Everything but the first stage of deploy/Containerfile, on scratch.
  {
    echo 'FROM scratch'
    echo 'COPY rootfs/ /'
    sed -n '/^FROM gcr.io\/distroless/,$p' deploy/Containerfile | grep -v -e '^FROM' -e '^COPY --from'
  } > "$ctx/Containerfile"
  build "$ctx/Containerfile" "$ctx"
  report
  ;;
*)
  echo "usage: $0 containerfile|local" >&2
  exit 2
  ;;
esac
