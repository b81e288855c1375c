#!/bin/bash
# ktinit-run reports each bad spot in the bulk stream with its byte offset
# and keeps decoding: garbage, a bad CRC and a non-zero reserved word cost
# only themselves. A stand-in /init writes a hand-made stream.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
# The frame writer itself must produce DESIGN's golden vector for EXIT 7.
golden='54 49 58 45 04 00 00 00 a5 e7 93 bc 00 00 00 00 07 00 00 00'
got=$(e2e_frame EXIT '\x07\x00\x00\x00' | od -An -tx1 | tr -s ' \n' ' ')
[[ "${got# }" == "$golden " ]] || e2e_hard_error "e2e_frame: EXIT 7 is '$got', not the golden '$golden'"
incl=$(mktemp -d)
trap 'rm -rf -- "$incl"' EXIT
frames="$incl/frames.bin"
{
	e2e_frame SRDY                                   # offset 0, 16 bytes
	printf 'garbage!'                                # offset 16, 8 bytes
	e2e_frame SOUT 'good1\n'                         # offset 24, 22 bytes
	e2e_frame_raw SOUT 4 0badc0de 0 'bad\n'          # offset 46, 20 bytes
	e2e_frame_raw SOUT 4 00000000 1 'rsv\n'          # offset 66, 20 bytes
	e2e_frame SOUT 'good2\n'                         # offset 86, 22 bytes
	e2e_frame EXIT '\x05\x00\x00\x00'                # offset 108
} >"$frames"
# shellcheck disable=SC2016 # $BULK expands in the guest
e2e_stub_base "$E2E_LOGS.base.cpio" 'cat /include-files/frames.bin > $BULK'
e2e_run --initramfs "$E2E_LOGS.base.cpio" --include "$frames"
assert_status 5
assert_file_is "$E2E_LOGS/stdout" $'good1\ngood2\n'
assert_contains "$E2E_LOGS/stderr" "unknown frame type at byte offset 16"
assert_contains "$E2E_LOGS/stderr" "bad CRC at byte offset 46"
assert_contains "$E2E_LOGS/stderr" "non-zero reserved word at byte offset 66"
assert_same_data "$E2E_LOGS/bulk.bin" "$frames"
e2e_done
