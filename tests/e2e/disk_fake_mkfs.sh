#!/bin/bash
# A "mkfs" that exits 0 without writing: the guest finds no superblock and
# says 64; IMAGE is not created and the staging file is gone; the guest's
# diagnostic block is printed on stderr.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_require_mkfs
e2e_workdir
img="$E2E_WORK/fake.img"
fake="${abs_top_srcdir:-$E2E_SRCDIR/../..}/tests/fixtures/fake_mkfs"
e2e_run --disk-template "$img" --size 64M --include "$fake" \
	--append ktinit.disk_template.mkfs=/include-files/fake_mkfs
assert_status 64
assert_absent "$img"
assert_no_staging "$E2E_WORK"
assert_contains "$E2E_LOGS/stdout" "fake_mkfs: pretending to format"
assert_contains "$E2E_LOGS/stderr" "disk_template: begin diagnostic"
assert_contains "$E2E_LOGS/stderr" "disk_template: verdict: FAIL (code 64)"
assert_contains "$E2E_LOGS/stderr" "not written (exit status 64)"
e2e_done
