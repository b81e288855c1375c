#!/bin/bash
# PID 1 reaps orphans while the payload runs: children re-parented to init
# after their parent died leave no zombies behind. The payload orphans 20
# short-lived processes, waits, and counts processes in state Z.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
# /args holds one argument per line, so the script is one line.
e2e_run -- /bin/sh -c 'for i in $(seq 20); do (sleep 0.2 &); done; sleep 2; z=0; for s in /proc/[0-9]*/stat; do read -r _ _ state _ < "$s" || continue; [ "$state" = Z ] && z=$((z + 1)); done; echo "zombies: $z"; [ "$z" -eq 0 ]'
assert_status 0
assert_contains "$E2E_LOGS/stdout" "zombies: 0"
e2e_done
