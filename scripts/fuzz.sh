#!/usr/bin/env bash
# Runs every fuzz target of fuzz/ for a bounded time. Not part of CI.
#
#   scripts/fuzz.sh              # each target for 60 s (needs a nightly toolchain and cargo-fuzz)
#   scripts/fuzz.sh 300          # each target for 300 s
#   scripts/fuzz.sh 60 oss_xml   # one target
#   scripts/fuzz.sh --stable     # no nightly: the same target logic as proptest tests on stable
#
# Setup: `rustup toolchain install nightly` and `cargo install cargo-fuzz`. Crashes land in
# fuzz/artifacts/<target>/; reproduce one with `cargo +nightly fuzz run <target> <file>`.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

if [[ "${1:-}" == "--stable" ]]; then
    exec cargo test --release
fi

seconds="${1:-60}"
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi

failed=()
for t in "${targets[@]}"; do
    echo "== $t (${seconds} s)"
    if ! cargo +nightly fuzz run "$t" -- -max_total_time="$seconds" -rss_limit_mb=2048; then
        failed+=("$t")
    fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "crashes in: ${failed[*]} (see fuzz/artifacts/)" >&2
    exit 1
fi
echo "all targets ran ${seconds} s without a crash"
