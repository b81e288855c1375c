#!/bin/bash
# ktinit as an ordinary command (not PID 1): --help, --version,
# --check-config with good and bad files, --list-modes with good and
# refused plugins, and no arguments (refuses to boot, exit 2).
set -u
top=${abs_top_builddir:-$(cd "$(dirname "$0")/.." && pwd)}
kt="$top/init/ktinit"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
check() { # DESCRIPTION EXPECTED-STATUS ACTUAL-STATUS OUTPUT-FILE PATTERN...
	local what=$1 want=$2 got=$3 out=$4
	shift 4
	if [[ "$got" != "$want" ]]; then
		echo "FAIL: $what: exit status $got, expected $want"; cat "$out"; fails=$((fails + 1))
	fi
	for pat in "$@"; do
		if ! grep -qF -- "$pat" "$out"; then
			echo "FAIL: $what: output lacks '$pat'"; cat "$out"; fails=$((fails + 1))
		fi
	done
}

"$kt" --version > "$work/out" 2>&1; check "--version" 0 $? "$work/out" "ktinit " "mode ABI 1."
"$kt" --help > "$work/out" 2>&1; check "--help" 0 $? "$work/out" "--check-config FILE" "--list-modes DIR"
"$kt" > "$work/out" 2>&1; check "no arguments" 2 $? "$work/out" "not PID 1, so not booting"

"$kt" --check-config "$top/etc/ktinit.ini" > "$work/out" 2>&1 ||
	"$kt" --check-config "$(dirname "$0")/../etc/ktinit.ini" > "$work/out" 2>&1
check "--check-config on the shipped ktinit.ini" 0 $? "$work/out" "OK"

printf '[init]\nmode = test\nthis is not ini\n[stdio]\nwait_ms = 10\nbogus_key = 1\n' > "$work/bad.ini"
"$kt" --check-config "$work/bad.ini" > "$work/out" 2>&1
check "--check-config on a bad file" 1 $? "$work/out" "bad.ini:3: syntax error" "bad.ini:6: unknown key 'bogus_key' in [stdio]"
"$kt" --check-config "$work/missing.ini" > "$work/out" 2>&1
check "--check-config on a missing file" 1 $? "$work/out" "missing.ini: cannot read"

mkdir "$work/modes"
install -m 644 "$top/modes/test/.libs/test.so" "$work/modes/test.so"
install -m 644 "$top/tests/fixtures/.libs/wrong_abi.so" "$work/modes/wrong_abi.so"
"$kt" --list-modes "$work/modes" > "$work/out" 2>&1
check "--list-modes" 0 $? "$work/out" "run a payload" "wrong_abi        REFUSED:" "plugin ABI 2.0"

if ((fails)); then
	echo "FAIL: cli: $fails check(s) failed"
	exit 1
fi
echo "PASS: cli"
