#!/bin/bash
# 64 KiB written just before the payload exits are not lost.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
prog='BEGIN { for (i = 0; i < 8192; i++) printf "%07d\n", i }'
e2e_run -- sh -c "awk '$prog'; exit 3"
assert_status 3
awk "$prog" >"$E2E_LOGS/expected"
assert_same_data "$E2E_LOGS/stdout" "$E2E_LOGS/expected"
e2e_done
