#!/usr/bin/env bash
# Cold then warm `casefolio build` of SITE by each CHECKOUT, alternating, two rounds: the way to
# compare two commits on a noisy machine (one run's cold figure moves ~10%).
#   bash bench/ab.sh SITE CHECKOUT...      e.g. bash bench/ab.sh /tmp/b10k /tmp/old-checkout .
set -euo pipefail
site=$(realpath "$1"); shift
for round in 1 2; do
  for checkout in "$@"; do
    checkout=$(realpath "$checkout")
    out=$(mktemp -d)
    rm -rf "$site/.casefolio"
    (cd "$site" && /usr/bin/time -f "$checkout cold: %e s wall, %U s user, %S s sys" \
        env PYTHONPATH="$checkout" python -m generator build -q -o "$out/site") 2>&1 | tail -1
    (cd "$site" && /usr/bin/time -f "$checkout warm: %e s wall, %U s user, %S s sys" \
        env PYTHONPATH="$checkout" python -m generator build -q -o "$out/site") 2>&1 | tail -1
    rm -rf "$out"
  done
done
