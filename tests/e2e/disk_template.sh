#!/bin/bash
# --disk-template IMAGE: mkfs.btrfs formats a fresh 256 MiB staging file in
# the guest; the host checks the magic and publishes it as IMAGE: a sparse
# file the host's btrfs tools accept, and no staging file left.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_require_mkfs
e2e_workdir
img="$E2E_WORK/scratch.img"
e2e_run --disk-template "$img"
assert_status 0
assert_no_staging "$E2E_WORK"
if [[ -e "$img" ]]; then
	assert_btrfs_magic "$img"
	size=$(stat -c %s -- "$img")
	[[ "$size" == $((256 << 20)) ]] || e2e_fail "$img: $size bytes, expected 256 MiB"
	used=$(($(stat -c %b -- "$img") * $(stat -c %B -- "$img")))
	[[ "$used" -lt "$size" ]] || e2e_fail "$img: not sparse ($used bytes allocated)"
	if command -v btrfs >/dev/null 2>&1; then
		if ! btrfs inspect-internal dump-super -- "$img" >"$E2E_LOGS/dump-super" 2>&1; then
			e2e_fail "btrfs inspect-internal dump-super $img failed: $(tail -n 3 "$E2E_LOGS/dump-super")"
		fi
		assert_contains "$E2E_LOGS/dump-super" "_BHRfS_M [match]"
	fi
else
	e2e_fail "$img was not created"
fi
assert_contains "$E2E_LOGS/com2.log" "disk_template: verdict: OK (code 0)"
assert_contains "$E2E_LOGS/stderr" "published"
e2e_done
