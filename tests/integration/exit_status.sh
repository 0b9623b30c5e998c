#!/bin/bash
# Exit status: the command's own, 128+N for signal N, 127 not found,
# 126 not executable, 125 when the jail cannot be built.
. "$(dirname "$0")/../lib.sh"

body() {
	gbrun -- /bin/true
	assert_rc "true exits 0" 0
	gbrun -- /bin/false
	assert_rc "false exits 1" 1
	gbrun -- /bin/sh -c 'exit 42'
	assert_rc "exit 42 passes through" 42
	gbrun -- /bin/sh -c 'exit 255'
	assert_rc "exit 255 passes through" 255
	gbrun -- /bin/sh -c 'kill -TERM $$'
	assert_rc "killed by SIGTERM gives 143" 143
	gbrun -- /bin/sh -c 'kill -KILL $$'
	assert_rc "killed by SIGKILL gives 137" 137
	gbrun -- /bin/sh -c 'kill -SEGV $$'
	assert_rc "killed by SIGSEGV gives 139" 139
	gbrun -- /bin/sh -c 'kill -USR1 $$'
	assert_rc "killed by SIGUSR1 gives 138" 138

	gbrun -- no-such-command-gbtest
	assert_rc "command not found gives 127" 127
	assert_contains "not found names the command on stderr" "$ERR" "no-such-command-gbtest"
	gbrun -- "$UD/no/such/path"
	assert_rc "missing absolute path gives 127" 127
	printf 'plain text\n' >"$W/notexec"
	chmod 644 "$W/notexec"
	chown "$CUR_UID" "$W/notexec"
	gbrun -- "$W/notexec"
	assert_rc "a non-executable file gives 126" 126

	# Same statuses without the jail.
	gbrun --no-sandbox -- /bin/sh -c 'exit 42'
	assert_rc "--no-sandbox: exit 42 passes through" 42
	gbrun --no-sandbox -- /bin/sh -c 'kill -TERM $$'
	assert_rc "--no-sandbox: SIGTERM gives 143" 143
	gbrun --no-sandbox -- no-such-command-gbtest
	assert_rc "--no-sandbox: not found gives 127" 127

	# 125: the jail cannot be built (glassbox-init missing next to glassbox).
	local lone=$UD/lonely
	mkdir -p "$lone"
	cp "$GB_BIN" "$lone/glassbox"
	chmod 755 "$lone" "$lone/glassbox"
	rm -f "$W/marker"
	LAST_CMD="$lone/glassbox -- touch marker (no glassbox-init)"
	OUT=$(run_as timeout 30 "$lone/glassbox" -- /usr/bin/touch "$W/marker" 2>"$TROOT/err.$$")
	RC=$?
	ERR=$(cat "$TROOT/err.$$")
	assert_rc "jail cannot be built (no glassbox-init) gives 125" 125
	assert_eq "125 comes with exactly one stderr line" 1 "$(printf '%s\n' "$ERR" | grep -c .)"
	assert_absent "125: the command did not run (unsandboxed)" "$W/marker"
	rm -rf "$lone"
}

for_each_user body
finish
