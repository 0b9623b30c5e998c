#!/bin/bash
# The sandbox never outlives glassbox: SIGKILL of glassbox kills everything
# inside (children, setsid'd and double-forked daemons); when the command
# exits, leftovers die with it; signals to glassbox reach the command.
. "$(dirname "$0")/../lib.sh"

# gone_within SECONDS PATTERN: true when no process matches PATTERN in time.
gone_within() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		pgrep -f -- "$2" >/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# appears_within SECONDS PATTERN
appears_within() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		pgrep -f -- "$2" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

wait_exit() { # PID SECONDS: true when PID ended in time
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

gb_pid() { # the glassbox process whose command line ends with TAG
	pgrep -o -f -- "^$GB_BIN .*$1\$"
}

body() {
	local tag gp
	# 1. SIGKILL glassbox: the sandboxed sleep goes within 2 s.
	tag=$((1000000 + ($$ % 50000) * 20 + 1))
	run_as "$GB_BIN" -- /bin/sleep "$tag" &
	BG_PIDS+=($!)
	if appears_within 10 "^/bin/sleep $tag\$"; then
		gp=$(gb_pid "$tag")
		kill -KILL "$gp"
		if gone_within 2 "^/bin/sleep $tag\$"; then ok "SIGKILL of glassbox kills the sandbox within 2 s"
		else fail "SIGKILL of glassbox kills the sandbox within 2 s" "still running: $(pgrep -a -f "$tag")"; pkill -KILL -f "^/bin/sleep $tag\$"; fi
		if gone_within 2 "glassbox-init"; then :; fi
		pgrep -a -f "$tag" >/dev/null && note "left: $(pgrep -a -f "$tag")"
	else
		fail "SIGKILL test: sandbox started" "no sleep $tag appeared"
	fi

	# 2. SIGKILL glassbox with setsid'd and double-forked descendants.
	tag=$((1000000 + ($$ % 50000) * 20 + 2))
	run_as "$GB_BIN" -- /bin/sh -c "/bin/sleep $tag.1 & setsid /bin/sleep $tag.2 & (/bin/sleep $tag.3 &) ; wait" &
	BG_PIDS+=($!)
	if appears_within 10 "^/bin/sleep $tag.3"; then
		sleep 0.3
		gp=$(gb_pid "wait")
		kill -KILL "$gp"
		if gone_within 2 "^/bin/sleep $tag.[123]"; then ok "SIGKILL of glassbox kills children, setsid and double-forked daemons"
		else fail "SIGKILL of glassbox kills all descendants" "still running: $(pgrep -a -f "$tag")"; pkill -KILL -f "^/bin/sleep $tag.[123]"; fi
	else
		fail "descendants test: sandbox started" "no sleep $tag appeared"
	fi

	# 3. Command exits, a daemon it left behind dies too; glassbox returns.
	tag=$((1000000 + ($$ % 50000) * 20 + 3))
	local t0=$SECONDS
	gbrun -- /bin/sh -c "setsid /bin/sleep $tag </dev/null >/dev/null 2>&1 & exit 4"
	assert_rc "command exit status returned although a daemon was left" 4
	if [ $((SECONDS - t0)) -le 10 ]; then ok "glassbox returns when the command exits"; else fail "glassbox returns when the command exits" "took $((SECONDS - t0)) s"; fi
	if gone_within 2 "^/bin/sleep $tag\$"; then ok "a daemon left by the command does not outlive the sandbox"
	else fail "a daemon left by the command does not outlive the sandbox" "still running: $(pgrep -a -f "$tag")"; pkill -KILL -f "^/bin/sleep $tag\$"; fi

	# 4. SIGTERM / SIGINT / SIGHUP to glassbox reach the command.
	local sig code
	for sig in TERM INT HUP USR1; do
		tag=gbtest-life4-$sig-$$-$CUR_UID
		rm -f "$W/got-$sig"
		run_as "$GB_BIN" -- /bin/sh -c "trap 'echo got > $W/got-$sig; exit 7' $sig; echo start $tag; while :; do /bin/sleep 0.1; done" >"$TROOT/sig.out" 2>&1 &
		local wp=$!
		for ((i = 0; i < 100; i++)); do grep -q "start $tag" "$TROOT/sig.out" 2>/dev/null && break; sleep 0.1; done
		gp=$(gb_pid "done")
		kill -"$sig" "$gp"
		if wait_exit "$wp" 5; then wait "$wp"; code=$?; else code="still running"; kill -KILL "$gp"; fi
		if [ -e "$W/got-$sig" ] && [ "$code" = 7 ]; then ok "SIG$sig to glassbox is forwarded to the command (exit 7)"
		else fail "SIG$sig to glassbox is forwarded to the command" "handler ran: $([ -e "$W/got-$sig" ] && echo yes || echo no), glassbox exit $code (want 7)" "$(cat "$TROOT/sig.out")"; fi
	done
	tag=$((1000000 + ($$ % 50000) * 20 + 5))
	run_as "$GB_BIN" -- /bin/sleep "$tag" &
	local wp=$!
	appears_within 10 "^/bin/sleep $tag\$"
	kill -TERM "$(gb_pid "$tag")"
	if wait_exit "$wp" 5; then
		wait "$wp"
		code=$?
	else
		code="still running 5 s after SIGTERM (SigBlk of the command: $(grep SigBlk /proc/$(pgrep -f "^/bin/sleep $tag\$")/status 2>&1))"
		kill -KILL "$(gb_pid "$tag")" 2>/dev/null
		pkill -KILL -f "^/bin/sleep $tag\$"
	fi
	assert_eq "SIGTERM to glassbox kills an untrapping command: exit 143" 143 "$code"
	gone_within 2 "^/bin/sleep $tag\$" || { fail "no leftovers after SIGTERM" "$(pgrep -a -f "$tag")"; pkill -KILL -f "$tag"; }

	# 5. Killing glassbox-init from the host ends the run.
	tag=$((1000000 + ($$ % 50000) * 20 + 6))
	run_as "$GB_BIN" -- /bin/sleep "$tag" &
	wp=$!
	if appears_within 10 "^/bin/sleep $tag\$"; then
		local sp ip
		sp=$(pgrep -f "^/bin/sleep $tag\$")
		ip=$(ps -o ppid= -p "$sp" | tr -d ' ')
		if [ "$(cat /proc/$ip/comm 2>/dev/null)" = glassbox-init ]; then
			kill -KILL "$ip"
			local t=0
			while kill -0 "$wp" 2>/dev/null && [ $t -lt 50 ]; do sleep 0.1; t=$((t + 1)); done
			if ! kill -0 "$wp" 2>/dev/null; then
				wait "$wp"
				code=$?
				if [ "$code" != 0 ]; then ok "glassbox ends (exit $code) when its init is killed"
				else fail "glassbox reports failure when its init is killed" "exit 0"; fi
			else
				fail "glassbox ends when its init is killed" "still running after 5 s"
				kill -KILL "$wp"
			fi
			gone_within 2 "^/bin/sleep $tag\$" && ok "no leftovers after init died" || { fail "no leftovers after init died" "$(pgrep -a -f "$tag")"; pkill -KILL -f "$tag"; }
		else
			note "parent of the command is $(cat /proc/$ip/comm 2>/dev/null), not glassbox-init; skipped"
			kill -KILL "$(gb_pid "$tag")"
		fi
	fi
}

for_each_user body
finish
