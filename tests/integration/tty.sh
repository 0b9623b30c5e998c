#!/bin/bash
# Terminal mode: when stdin is a terminal the command gets its own PTY
# (/dev/pts/N inside), the outer size, resizes forwarded, job control and
# /dev/tty work. Driven by pty_run.py (a python pty, run as the test user).
. "$(dirname "$0")/../lib.sh"

# ptyrun PTY_RUN_ARGS... -- GLASSBOX_ARGS...
ptyrun() {
	local pargs=()
	while [ "$1" != -- ]; do pargs+=("$1"); shift; done
	shift
	LAST_CMD="pty_run ${pargs[*]} -- glassbox $*"
	OUT=$(run_as "$PY" "$PTY_RUN" --timeout 30 "${pargs[@]}" -- "$GB_BIN" "$@" 2>"$TROOT/err.$$")
	RC=$?
	ERR=$(cat "$TROOT/err.$$")
}

body() {
	ptyrun --rows 33 --cols 101 -- -- /bin/sh -c 'tty; stty size; test -t 0 && test -t 1 && test -t 2 && echo all-tty'
	assert_rc "tty mode runs" 0
	assert_match "inside, tty prints /dev/pts/N" "$OUT" $'(^|\n)/dev/pts/[0-9]+\n'
	assert_contains "stty size reflects the outer size (33 101)" "$OUT" "33 101"
	assert_contains "stdin, stdout and stderr are terminals" "$OUT" all-tty

	# Our own PTY: the inner terminal is not the outer one.
	ptyrun -- -- /bin/sh -c 'readlink /proc/self/fd/0; echo n=$(ls /dev/pts | grep -vc ptmx)'
	local inner
	inner=$(printf '%s\n' "$OUT" | head -1)
	assert_match "stdin is a pts of the sandbox's own devpts" "$inner" '^/dev/pts/[0-9]+$'
	assert_contains "the sandbox's /dev/pts lists only its own terminal" "$OUT" "n=1"

	# Resize: the new size is forwarded and the command sees SIGWINCH.
	ptyrun --rows 24 --cols 80 expect:ready resize:50:132 expect:winch -- -- \
		/bin/bash -c 'trap "echo winch; stty size; exit 0" WINCH; stty size; echo ready; for i in $(seq 100); do sleep 0.1; done; echo no-winch; stty size'
	assert_rc "resize run exits 0" 0
	assert_contains "initial size 24 80" "$OUT" "24 80"
	assert_contains "size after the outer resize is 50 132" "$OUT" "50 132"

	# Job control: an interactive shell can run background jobs.
	ptyrun expect:'$ ' send:'sleep 100 &\n' expect:'$ ' send:'jobs\n' expect:'Running' send:'kill %1; exit 0\n' -- \
		--env PS1='$ ' -- /bin/bash --norc --noprofile -i
	assert_rc "interactive bash exits 0" 0
	assert_contains "jobs lists the background job" "$OUT" "sleep 100"
	assert_not_contains "no 'no job control' warning" "$OUT" "no job control"
	assert_not_contains "no 'cannot set terminal process group' warning" "$OUT" "cannot set terminal process group"
	# Ctrl-C reaches the foreground job, not glassbox.
	ptyrun expect:'$ ' send:'sleep 30\n' sleep:0.7 send:'\x03' expect:'$ ' send:'echo status-$?\n' expect:'status-130' send:'exit 7\n' -- \
		--env PS1='$ ' -- /bin/bash --norc --noprofile -i
	assert_rc "Ctrl-C interrupts the foreground job; the shell exits 7" 7

	# /dev/tty opens and talks to the terminal.
	ptyrun -- -- /bin/sh -c 'echo via-dev-tty > /dev/tty && echo opened'
	assert_contains "/dev/tty opens" "$OUT" opened
	assert_contains "/dev/tty output reaches the outer terminal" "$OUT" via-dev-tty

	# Input reaches the command through the PTY.
	ptyrun expect:'name?' send:'gbuser\n' -- -- /bin/sh -c 'echo name?; read n; echo hello-$n'
	assert_contains "terminal input reaches the command" "$OUT" hello-gbuser

	# Exit status through the PTY.
	ptyrun -- -- /bin/sh -c 'exit 9'
	assert_rc "exit status passes through in tty mode" 9
	ptyrun -- -- /bin/sh -c 'kill -TERM $$'
	assert_rc "signal status passes through in tty mode" 143

	# Pipe mode stays pipe mode.
	gbrun -- /usr/bin/tty
	assert_eq "stdin not a terminal: tty says not a tty" "not a tty" "$OUT"

	# stdout a terminal, stdin not: still works.
	ptyrun --stdin-null -- -- /bin/sh -c 'echo out-ok; test -t 0 || echo stdin-not-tty'
	assert_rc "stdout-only terminal runs" 0
	assert_contains "stdout-only terminal: output arrives" "$OUT" out-ok
}

for_each_user body
finish
