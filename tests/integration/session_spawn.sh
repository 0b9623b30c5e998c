#!/bin/bash
# Extra shells in a running session (what the TUI's prefix-c does), through
# the real core/session.h driven by gb-session-driver: the second shell is
# inside the same sandbox (same namespaces and policy, its own pty), the
# session lives until the last shell has exited, and the status is the
# first command's.
. "$(dirname "$0")/../lib.sh"

drive() { # SPAWN_CMD ARGS... (glassbox options -- CMD)
	local spawn=$1
	shift
	LAST_CMD="DRIVER_SPAWN='$spawn' gb-session-driver $*"
	GB_ENV=(DRIVER_SPAWN="$spawn")
	run_as timeout -k 5 60 "$DRIVER_BIN" "$@" >"$TROOT/out.$$" 2>"$TROOT/err.$$"
	RC=$?
	GB_ENV=()
	OUT=$(cat "$TROOT/out.$$")
	ERR=$(cat "$TROOT/err.$$")
}

body() {
	# The first command writes its pid namespace's view; the second shell
	# must see the same one (the first command is in it), be on a pty of
	# its own, and be refused a write outside the policy.
	drive 'sleep 0.3; echo "tty=$(tty)"; echo "host=$(hostname)";
		ls /proc | grep -qx "$(cat first.pid)" && echo same-pidns;
		echo x >"'"$UD"'/outside" 2>/dev/null || echo write-refused;
		echo x >inside && echo write-allowed; sleep 1; echo spawned-done' \
		--allow-write=. -- /bin/sh -c 'echo $$ >first.pid; sleep 0.8; echo first-done; exit 3'
	assert_rc "the session's status is the first command's" 3
	assert_contains "the first command ran" "$OUT" "first-done"
	assert_match "the second shell has its own pty in the sandbox's devpts" "$OUT" "tty=/dev/pts/[0-9]+"
	assert_contains "the second shell is in the sandbox (hostname)" "$OUT" "host=glassbox"
	assert_contains "the second shell shares the first command's pid namespace" "$OUT" "same-pidns"
	assert_contains "the policy holds for the second shell (write refused)" "$OUT" "write-refused"
	assert_absent "nothing written outside the policy" "$UD/outside"
	assert_contains "the policy holds for the second shell (write allowed)" "$OUT" "write-allowed"
	assert_contains "the session outlives the first command until the last shell exits" \
		"$OUT" "spawned-done"
	assert_contains "the second shell's exit is an event" "$OUT" "driver: shell 1 exited"

	# Ordering the other way: the second shell exits first, the first
	# command's output and status are unaffected.
	drive 'echo quick' -- /bin/sh -c 'sleep 0.5; echo slow-first; exit 0'
	assert_rc "a short second shell does not end the session" 0
	assert_contains "the first command still finished" "$OUT" "slow-first"
	assert_contains "the short shell ran" "$OUT" "quick"

	# The extra shell's events validate against the documented schema.
	drive 'echo logged' --log="$W/spawn.jsonl" -- /bin/sh -c 'sleep 0.3'
	assert_schema "extra-shell events validate against the schema" "$W/spawn.jsonl"
	assert_eq "the extra shell's exec and exit are events" 2 \
		"$(grep -c '"kind":"\(exec\|exit\)".*"shell":1[,}]' "$W/spawn.jsonl")"

	# No sandbox, no second shell.
	drive 'echo should-not-run' --no-sandbox -- /bin/true
	assert_contains "another shell needs the sandbox" "$ERR" "needs the sandbox"
	assert_not_contains "nothing ran for the refused shell" "$OUT" "should-not-run"
}

for_each_user body
finish
