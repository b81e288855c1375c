#!/bin/bash
# A 16 MiB disk is too small for btrfs: mkfs's own error text reaches the
# host (SERR frames), its exit code is ktinit-run's, and an IMAGE that was
# already there is left exactly as it was, with no staging file beside it.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_require_mkfs
e2e_workdir
img="$E2E_WORK/small.img"
printf 'the previous image\n' >"$img"
e2e_run --disk-template "$img" --size 16M
assert_status 1
assert_contains "$E2E_LOGS/stderr" "is too small to make a usable filesystem"
assert_contains "$E2E_LOGS/stderr" "disk_template: verdict: FAIL"
assert_file_is "$img" $'the previous image\n'
assert_no_staging "$E2E_WORK"
e2e_done
