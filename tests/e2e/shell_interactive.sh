#!/bin/bash
# --shell, driven through a real pseudo-terminal (a tmux pane, 100x30):
# the banner appears, `stty size` in the guest shows the pane's size, TERM
# and COLORTERM arrive, job control works (a background job is listed by
# `jobs`; Ctrl-C stops the foreground `sleep 50` only, not the shell nor
# the background job), `exit` ends the VM with status 0, and the pane's
# terminal settings afterwards are exactly those from before.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require_boot
e2e_require_tmux
trap e2e_tmux_stop EXIT

rm -rf -- "$E2E_LOGS"
mkdir -p -- "$E2E_LOGS"
# The pane runs this: settings before, the session, status and settings
# after, then it idles so the pane stays readable.
driver="$E2E_LOGS/driver.sh"
cat >"$driver" <<DRIVER
#!/bin/bash
cd "$E2E_LOGS"
stty -g >stty.before
TERM=xterm-256color COLORTERM=truecolor "$E2E_RUN" --shell \\
	--initramfs "$E2E_BASE" --log-dir "$E2E_LOGS" --timeout $E2E_TIMEOUT
echo \$? >status.tmp
stty -g >stty.after
stty -a >stty.all
mv status.tmp status
echo "driver: done"
sleep 600
DRIVER
chmod 755 "$driver"

start=$(date +%s)
e2e_tmux_start 100 30 "$driver"
prompt='^[^ ]+ # *$'
step() {
	# step KEYS ERE SECONDS WHAT: type a line, wait for its effect.
	e2e_tmux_keys "$1"
	e2e_tmux_key Enter
	e2e_tmux_wait "$2" "$3" "$4"
}
run_session() {
	e2e_tmux_wait 'Ctrl-A x quits' 10 "ktinit-run's hint" || return 0
	e2e_tmux_wait 'exit or Ctrl-D ends the VM' 60 "the banner" || return 0
	e2e_tmux_wait "$prompt" 30 "the first prompt" || return 0
	step 'stty size' '^30 100 *$' 15 "stty size" || return 0
	# shellcheck disable=SC2016 # expanded by the guest's shell
	step 'echo "term=$TERM/$COLORTERM"' '^term=xterm-256color/truecolor *$' 15 \
		"TERM and COLORTERM" || return 0
	e2e_tmux_keys 'sleep 100 &'
	e2e_tmux_key Enter
	step 'jobs' '^\[1\]\+? +Running +sleep 100' 15 "jobs lists sleep 100" || return 0
	# "sleeping" shows once the foreground job runs: the Ctrl-C then
	# meets the sleep, not the shell still reading its line.
	step 'sh -c "echo sleeping; exec sleep 50"' '^sleeping *$' 15 \
		"sleep 50 started" || return 0
	sleep 0.3
	e2e_tmux_key C-c
	# Back at the prompt well before the sleep could end on its own.
	# shellcheck disable=SC2016
	step 'echo "alive-$((6 * 7))"' '^alive-42 *$' 15 \
		"the shell survives Ctrl-C" || return 0
	step 'jobs; echo "jobs-done"' '^jobs-done' 15 "jobs after Ctrl-C" || return 0
	if ! e2e_tmux_capture | grep -A2 'jobs; echo' | grep -qE 'Running +sleep 100'; then
		e2e_fail "Ctrl-C reached the background job: jobs no longer lists it"
	fi
	step 'exit' '^driver: done' 60 "ktinit-run returns after exit" || return 0
}
run_session
took=$(($(date +%s) - start))
e2e_tmux_stop
printf 'e2e: %s: session took %ss\n' "$E2E_NAME" "$took"

if [[ -e "$E2E_LOGS/status" ]]; then
	E2E_STATUS=$(cat "$E2E_LOGS/status")
	assert_status 0
	if ! cmp -s "$E2E_LOGS/stty.before" "$E2E_LOGS/stty.after"; then
		e2e_fail "terminal settings changed: $(cat "$E2E_LOGS/stty.before") -> $(cat "$E2E_LOGS/stty.after")"
	fi
	for flag in icanon echo isig icrnl opost; do
		if ! grep -qE "(^| )$flag( |$)" "$E2E_LOGS/stty.all"; then
			e2e_fail "stty -a after the session: '$flag' is not on"
		fi
	done
else
	e2e_fail "ktinit-run did not return (no status file)"
fi
if grep -q "\[1\]+\? *Done\|Killed\|Terminated" "$E2E_LOGS/pane.txt"; then
	e2e_fail "a job was reported finished or killed before exit: see $E2E_LOGS/pane.txt"
fi
e2e_done
