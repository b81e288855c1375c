#!/bin/bash
# disk_template mode with no disk attached: the guest says the device is
# missing (and asks whether a virtio-blk disk is attached), exits 125, and
# ktinit-run prints that diagnostic on stderr.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_run --mode disk_template
assert_status 125
assert_contains "$E2E_LOGS/com2.log" "disk_template: device: /dev/vda: missing"
assert_contains "$E2E_LOGS/stderr" "disk_template: device: /dev/vda: missing"
assert_contains "$E2E_LOGS/stderr" "is a virtio-blk disk attached?"
e2e_done
