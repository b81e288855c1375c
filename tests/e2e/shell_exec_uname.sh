#!/bin/bash
# --exec 'uname -r; exit 5': the release of the booted kernel (the image's
# name after "vmlinuz-") on stdout, exit status 5.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
release="${E2E_KERNEL##*/vmlinuz-}"
e2e_run --exec 'uname -r; exit 5'
assert_status 5
assert_file_is "$E2E_LOGS/stdout" "$release"$'\n'
e2e_done
