#!/bin/bash
# Refused plugins inside a real guest: each refusal is a COM2 line naming
# the file and the reason, an EXIT frame with the documented code (126),
# and a reboot. One boot per kind of refusal, each bounded.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
fixtures="$abs_top_builddir/tests/fixtures/.libs"
modes="$E2E_LOGS.d/modes"
rm -rf "$modes"; mkdir -p "$modes"
install -m 644 "$fixtures/wrong_abi.so" "$modes/wrong_abi.so"
install -m 644 "$fixtures/no_symbol.so" "$modes/nosym.so"
install -m 666 "$fixtures/good_mode.so" "$modes/good.so"

check() { # MODE EXPECTED-COM2-TEXT
	e2e_run --include "$modes" --append ktinit.init.plugin_dir=/include-files/modes \
		--mode "$1" -- true
	assert_status 126
	assert_contains "$E2E_LOGS/com2.log" "/include-files/modes/$1.so"
	assert_contains "$E2E_LOGS/com2.log" "$2"
	assert_contains "$E2E_LOGS/com2.log" "ktinit: exit code 126"
}
check wrong_abi "plugin ABI 2.0, core speaks 1.0"
check nosym "no symbol 'ktinit_mode'"
check good "group- or world-writable"
e2e_done
