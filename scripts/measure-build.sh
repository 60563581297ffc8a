#!/usr/bin/env bash
# Measures what the README's first command costs on a fresh machine: `cargo run --example full_setup` with a
# fresh CARGO_HOME (registry downloaded again) and a fresh target directory, both under /tmp and deleted after.
# Prints: crates compiled (cargo's `Compiling` lines), cargo's own build time (its `Finished` line), the wall time
# of the whole command (build + the offline demo, GNU time), max RSS, and the load average before and after.
#
# Usage: scripts/measure-build.sh [CHECKOUT]   (default: this repository). Needs GNU time (/usr/bin/time).
# KEEP_LOG=1 keeps the full cargo output in /tmp/measure-build.<pid>.log.
set -euo pipefail
checkout="$(cd "${1:-$(dirname "$0")/..}" && pwd)"
work="$(mktemp -d /tmp/measure-build.XXXXXX)"
log="/tmp/measure-build.$$.log"
cleanup() { rm -rf "$work"; [ "${KEEP_LOG:-0}" = 1 ] || rm -f "$log"; }
trap cleanup EXIT
mkdir -p "$work/cargo-home"
# Keep only the user's cargo configuration (if any), not its registry cache or installed binaries.
for f in "${CARGO_HOME:-$HOME/.cargo}"/config "${CARGO_HOME:-$HOME/.cargo}"/config.toml; do
  [ -f "$f" ] && cp "$f" "$work/cargo-home/"
done
# The demo runs offline with no credentials: unset the live-test variables a developer may have exported.
unset OSS_ACCESS_KEY_ID OSS_ACCESS_KEY_SECRET AUTH0_DOMAIN AUTH0_CLIENT_ID AUTH0_CLIENT_SECRET VERCEL_TOKEN \
  GITHUB_TOKEN NEON_API_KEY 2>/dev/null || true
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
cd "$checkout"
set +e
CARGO_HOME="$work/cargo-home" CARGO_TARGET_DIR="$work/target" CARGO_TERM_COLOR=never \
  /usr/bin/time -v cargo run --example full_setup >"$log" 2>&1
rc=$?
set -e
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
compiled="$(grep -c '^ *Compiling ' "$log" || true)"
finished="$(grep -m1 '^ *Finished ' "$log" | sed 's/^ *//' || true)"
wall="$(grep 'Elapsed (wall clock) time' "$log" | sed 's/.*: //')"
rss_kb="$(grep 'Maximum resident set size' "$log" | sed 's/.*: //')"
dirty="$(git -C "$checkout" status --porcelain 2>/dev/null | wc -l)"
echo "checkout:        $checkout ($(git -C "$checkout" rev-parse --short HEAD 2>/dev/null)$([ "$dirty" = 0 ] || echo ", $dirty files changed"))"
echo "exit status:     $rc"
echo "crates compiled: $compiled"
echo "cargo build:     $finished"
echo "wall (build + demo): $wall"
echo "max RSS:         $((rss_kb / 1024)) MiB"
echo "load average:    before $load_before, after $load_after (nproc $(nproc))"
[ "$rc" = 0 ] || { echo "--- last lines of the output:"; tail -n 30 "$log"; exit "$rc"; }
