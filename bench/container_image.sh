#!/usr/bin/env bash
# Build the image from Containerfile with podman and run it: a call logged through it, the
# bootstrap key from the environment, a non-root user, /readyz and the health check, and the
# call still there after the container is replaced (the SQLite file lives on the volume).
#
# No container registry is needed: the base image is a Debian root file system with Python
# made by debootstrap and imported into podman, then given to the build as BASE (the real
# python image is the Containerfile's default). Prints how long each step took.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        echo "installing ${need[*]} (Debian's packages) to build the image" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "building the image needs ${need[*]}: install your distribution's packages" >&2
        exit 1
    fi
fi

work="${CLOSECALLS_IMAGE_WORK:-${TMPDIR:-/var/tmp}/closecalls-image}"
mkdir -p "$work"
# crun refuses some hosts' cgroup layouts and some hosts allow no ulimit changes: runc,
# cgroupfs and no default ulimits work in both.
cat > "$work/containers.conf" <<'CONF'
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF="$work/containers.conf"

seconds() { date +%s.%N; }
took() { awk -v a="$2" -v b="$(seconds)" -v s="$1" 'BEGIN { printf "%-28s %6.1f s\n", s, b - a }'; }

. /etc/os-release
suite="${VERSION_CODENAME:-bookworm}"
debian="localhost/closecalls-debian:$suite"
if ! podman image exists "$debian"; then
    start=$(seconds)
    rm -rf "$work/rootfs"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        "$suite" "$work/rootfs" >"$work/debootstrap.log" 2>&1 \
        || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
    rm -rf "$work/rootfs/var/cache/apt/archives"/*.deb "$work/rootfs/var/lib/apt/lists"/*
    tar -C "$work/rootfs" -c . | podman import --quiet - "$debian" >/dev/null
    rm -rf "$work/rootfs"
    took "Debian image (debootstrap)" "$start"
fi
# The base trusts what this machine trusts (an HTTPS proxy's authority, if any), and pip
# is told to use that bundle too, as this machine's pip is.
base="localhost/closecalls-base:$suite"
mkdir -p "$work/base"
cp /etc/ssl/certs/ca-certificates.crt "$work/base/"
cat > "$work/base/Containerfile" <<CONTAINERFILE
FROM $debian
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN printf '[global]\\ncert = /etc/ssl/certs/ca-certificates.crt\\n' > /etc/pip.conf
CONTAINERFILE
podman build --quiet -t "$base" "$work/base" >/dev/null

image=localhost/closecalls:test
name="closecalls-image-test-$$"
volume="closecalls-image-data-$$"
cleanup() {
    podman rm -f "$name" >/dev/null 2>&1 || true
    podman volume rm -f "$volume" >/dev/null 2>&1 || true
    podman rmi -f "$image" >/dev/null 2>&1 || true
}
trap cleanup EXIT

start=$(seconds)
podman build --quiet --format docker --network=host --build-arg "BASE=$base" -t "$image" . >/dev/null
took "image build" "$start"
podman image inspect --format 'image size {{.Size}} bytes' "$image"

key="api_imagetestimagetest00.imagetestimagetest0000"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
run() {
    # No systemd here to schedule the health check: this script runs it itself.
    podman run -d --name "$name" --network=host -v "$volume:/data" --health-interval=disable \
        -e CLOSECALLS_PORT="$port" -e CLOSECALLS_BOOTSTRAP_KEY="$key" "$image" >/dev/null
    for _ in $(seq 100); do
        curl -sf "$url/readyz" >/dev/null && return 0
        sleep 0.2
    done
    podman logs "$name" >&2
    echo "the container did not become ready" >&2
    exit 1
}

start=$(seconds)
run
took "container ready" "$start"
uid=$(podman exec "$name" id -u)
[ "$uid" != 0 ] || { echo "the server runs as root" >&2; exit 1; }
call=$(curl -sf -u "$key:" -H 'content-type: application/json' \
    -d '{"phone": "+16505551234", "direction": "outbound", "duration": 75}' \
    "$url/api/v1/activity/call/")
id=$(echo "$call" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
podman healthcheck run "$name" >/dev/null || { echo "the health check failed" >&2; exit 1; }
metrics=$(curl -sf "$url/metrics")
grep -q 'closecalls_http_requests_total{method="POST"' <<<"$metrics" \
    || { echo "/metrics does not count the call" >&2; exit 1; }

podman rm -f "$name" >/dev/null
run
again=$(curl -sf -u "$key:" "$url/api/v1/activity/call/$id/")
grep -q '"duration":75' <<<"$again" \
    || { echo "the call did not survive a new container on the same volume" >&2; exit 1; }
# Read whole first: `grep -q` stops reading early, and pipefail would take that as a failure.
logs=$(podman logs "$name" 2>&1)
grep -q "closecalls: serving http" <<<"$logs" \
    || { echo "the container did not say it was serving: $logs" >&2; exit 1; }
echo "image ok: ran as uid $uid, logged $id, kept it across containers on the volume"
