#!/usr/bin/env bash
# What adding genauth costs a typical service: the app in `app/` (axum, tokio, reqwest with its
# default features, serde, tracing) built clean without genauth, clean with it (default
# features), and with it added to the already built app. Prints wall time and the peak
# resident memory of the largest process (`/usr/bin/time`), one build each. Crates are
# downloaded first and not counted. Run it on an otherwise idle machine.
#
#   benches/typical-service/measure.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/app/src"
cp "$repo/benches/typical-service/app/src/main.rs" "$work/app/src/"
sed "s|@GENAUTH@|$repo|" "$repo/benches/typical-service/app/Cargo.toml.in" > "$work/app/Cargo.toml"
cd "$work/app"
cargo fetch --quiet

build() { # label, target dir, cargo args...
    local label=$1 target=$2
    shift 2
    CARGO_TARGET_DIR="$target" /usr/bin/time -f "%e %M" -o "$work/time" cargo build --quiet "$@"
    read -r wall kb < "$work/time"
    printf '%-38s %7.1f s   peak %5d MB\n' "$label" "$wall" $((kb / 1024))
}

echo "typical service ($(cargo --version)), $(nproc) cores"
build "clean, without genauth" "$work/without"
build "clean, with genauth" "$work/with" --features with-genauth
build "genauth added to the built app" "$work/without" --features with-genauth
