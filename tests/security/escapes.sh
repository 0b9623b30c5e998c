#!/bin/bash
# Escapes through sockets, processes, terminals and inherited fds:
# host unix sockets under /run and /tmp (absent inside), abstract unix
# sockets (other netns), host TCP on loopback, AF_VSOCK, host pids (see,
# signal), extra fds, TIOCSTI / TIOCLINUX on a terminal (stdin a tty; and
# stdout a tty while stdin is not).
. "$(dirname "$0")/../lib.sh"

SOCK_PY='
import os, socket, sys, time
p = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if p.startswith("@"):
    s.bind("\0" + p[1:])
else:
    try: os.unlink(p)
    except OSError: pass
    s.bind(p); os.chmod(p, 0o777)
s.listen(16)
open(sys.argv[2], "w").close()
while True:
    c, _ = s.accept(); c.close()
'
TCP_PORT=

start_servers() {
	mkdir -p "$TROOT/sock" /run/gbtest-$$
	chmod 755 "$TROOT/sock" /run/gbtest-$$
	SOCKS=("$TROOT/sock/s.sock" "/run/gbtest-$$/s.sock" "/tmp/gbtest-$$.sock" "@gbtest-abstract-$$")
	local s i=0
	for s in "${SOCKS[@]}"; do
		i=$((i + 1))
		bg $PY -c "$SOCK_PY" "$s" "$TROOT/sock/ready.$i"
		wait_for_file "$TROOT/sock/ready.$i" 10 || { echo "socket server $s did not start"; exit 1; }
	done
	# The kernel picks the port (a fixed one can be some client's ephemeral
	# port on a busy machine); the ready file says which, written whole.
	bg $PY -c '
import os, socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
with open(sys.argv[1] + ".tmp", "w") as f: f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept(); c.close()
' "$TROOT/sock/ready.tcp"
	wait_for_file "$TROOT/sock/ready.tcp" 10 || { echo "the TCP server did not start"; exit 1; }
	TCP_PORT=$(cat "$TROOT/sock/ready.tcp")
}

stop_extra() { rm -rf /run/gbtest-$$ /tmp/gbtest-$$.sock; }

body() {
	# --- unix sockets ---
	local s
	for s in "/run/gbtest-$$/s.sock" "/tmp/gbtest-$$.sock" "@gbtest-abstract-$$"; do
		hostrun "$PROBE_BIN" unix-connect "$s"
		assert_escaped "control for: connect to host unix socket $s"
		gbrun -- "$PROBE_BIN" unix-connect "$s"
		assert_blocked "connect to host unix socket $s"
	done
	gbrun -- /bin/sh -c "test -e /run/gbtest-$$ && echo RUN-VISIBLE; test -e /tmp/gbtest-$$.sock && echo TMP-VISIBLE; echo checked"
	assert_not_contains "host /run entries are absent inside" "$OUT" RUN-VISIBLE
	assert_not_contains "host /tmp sockets are absent inside" "$OUT" TMP-VISIBLE
	local well
	for well in /run/dbus/system_bus_socket /var/run/docker.sock /run/docker.sock /run/systemd/private; do
		if [ -S "$well" ]; then
			gbrun -- "$PROBE_BIN" unix-connect "$well"
			assert_blocked "connect to $well"
		fi
	done
	if [ -n "${SSH_AUTH_SOCK:-}" ] && [ -S "$SSH_AUTH_SOCK" ]; then
		gbrun -- "$PROBE_BIN" unix-connect "$SSH_AUTH_SOCK"
		assert_blocked "connect to the ssh-agent socket"
	fi
	# Not a documented guarantee: a socket under a readable, non-/run,
	# non-/tmp dir. Reported, not asserted.
	gbrun -- "$PROBE_BIN" unix-connect "$TROOT/sock/s.sock"
	note "socket under readable /var/tmp: $OUT"

	# --- TCP to the host's loopback, vsock ---
	hostrun "$PROBE_BIN" tcp-connect 127.0.0.1 "$TCP_PORT"
	assert_escaped "control for: TCP connect to host 127.0.0.1:$TCP_PORT"
	gbrun -- "$PROBE_BIN" tcp-connect 127.0.0.1 "$TCP_PORT"
	assert_blocked "TCP connect to host 127.0.0.1:$TCP_PORT"
	hostrun "$PROBE_BIN" vsock
	if [ "$RC" = 1 ]; then ok "control for: AF_VSOCK socket ($OUT)"; else note "host has no AF_VSOCK: $OUT"; fi
	gbrun -- "$PROBE_BIN" vsock
	assert_blocked "AF_VSOCK socket creation refused"

	# --- host processes ---
	local sn=$((400000 + $$ % 100000))
	run_as /bin/sleep "$sn" &
	BG_PIDS+=($!)
	local hp="" i
	for ((i = 0; i < 50; i++)); do hp=$(pgrep -f "^/bin/sleep $sn\$") && break; sleep 0.1; done
	hostrun "$PROBE_BIN" see-pid "$hp"
	assert_escaped "control for: see a host process in /proc"
	gbrun -- "$PROBE_BIN" see-pid "$hp"
	assert_blocked "host process $hp not in /proc"
	gbrun -- "$PROBE_BIN" see-pid $$
	assert_blocked "test shell $$ not in /proc"
	hostrun "$PROBE_BIN" kill "$hp"
	assert_escaped "control for: signal a host process"
	gbrun -- "$PROBE_BIN" kill "$hp"
	assert_blocked "signal host process $hp (kill 0)"
	gbrun -- /bin/sh -c "kill -TERM $hp; echo sent"
	if kill -0 "$hp" 2>/dev/null; then ok "host process survived a kill from inside"; else fail "host process survived a kill from inside" "$(last_run)"; fi
	gbrun -- /bin/sh -c "cat /proc/$hp/environ /proc/$hp/cmdline 2>/dev/null; echo end"
	assert_not_contains "host process cmdline unreadable" "$OUT" "sleep"
	kill "$hp" 2>/dev/null

	# --- inherited fds ---
	LAST_CMD="glassbox -- gb-probe fds 5</etc/passwd 7>/dev/null"
	OUT=$(run_as "$PROBE_BIN" fds 5</etc/passwd 7>/dev/null)
	RC=$?
	assert_escaped "control for: extra fds visible on the host"
	OUT=$(run_as timeout 30 "$GB_BIN" -- "$PROBE_BIN" fds 5</etc/passwd 7>/dev/null 9<"$W/existing.txt" 2>"$TROOT/err.$$")
	RC=$?
	ERR=$(cat "$TROOT/err.$$")
	assert_blocked "no fds but 0,1,2 inside (5, 7, 9 passed in)"
	gbrun -- /bin/sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "'
	note "fds of sh inside: $OUT"

	# --- terminal injection ---
	local tio=(--timeout 20)
	pty() { LAST_CMD="pty_run $*"; OUT=$(run_as "$PY" "$PTY_RUN" "${tio[@]}" "$@" 2>"$TROOT/err.$$"); RC=$?; ERR=$(cat "$TROOT/err.$$"); }
	# Positive control: TIOCSTI works on the host terminal (as root always;
	# as a user when dev.tty.legacy_tiocsti=1).
	pty -- "$PROBE_BIN" tiocsti 0
	if [ "$CUR_UID" = 0 ] || [ "$(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null)" = 1 ]; then
		[[ "$OUT" == *ESCAPED* ]] && ok "control for: TIOCSTI on the host terminal" || fail "control for: TIOCSTI on the host terminal" "$(last_run)"
	fi
	local fd
	for fd in 0 1 2; do
		pty -- "$GB_BIN" -- "$PROBE_BIN" tiocsti $fd
		[[ "$OUT" == *BLOCKED* ]] && [ "$RC" = 0 ] || [ "$RC" = 159 ]
		if [ $? = 0 ]; then ok "TIOCSTI on fd $fd (stdin a tty) refused: $(echo $OUT)"
		else fail "TIOCSTI on fd $fd (stdin a tty) refused" "$(last_run)"; fi
	done
	pty -- "$GB_BIN" -- "$PROBE_BIN" tiocsti-devtty
	if { [[ "$OUT" == *BLOCKED* ]] && [ "$RC" = 0 ]; } || [ "$RC" = 159 ]; then ok "TIOCSTI via /dev/tty refused: $(echo $OUT)"
	else fail "TIOCSTI via /dev/tty refused" "$(last_run)"; fi
	# stdout is the user's terminal, stdin is not.
	pty --stdin-null -- "$PROBE_BIN" tiocsti 1
	if [ "$CUR_UID" = 0 ]; then
		[[ "$OUT" == *ESCAPED* ]] && ok "control for: TIOCSTI on a stdout terminal" || fail "control for: TIOCSTI on a stdout terminal" "$(last_run)"
	fi
	for fd in 1 2; do
		pty --stdin-null -- "$GB_BIN" -- "$PROBE_BIN" tiocsti $fd
		if { [[ "$OUT" == *BLOCKED* ]] && [ "$RC" = 0 ]; } || [ "$RC" = 159 ]; then ok "TIOCSTI on fd $fd (only stdout/stderr a tty) refused: $(echo $OUT)"
		else fail "TIOCSTI on fd $fd (only stdout/stderr a tty) refused" "$(last_run)"; fi
	done
	pty --stdin-null -- "$GB_BIN" -- "$PROBE_BIN" tiocsti-devtty
	if { [[ "$OUT" == *BLOCKED* ]] && [ "$RC" = 0 ]; } || [ "$RC" = 159 ]; then ok "TIOCSTI via /dev/tty (stdin not a tty) refused: $(echo $OUT)"
	else fail "TIOCSTI via /dev/tty (stdin not a tty) refused" "$(last_run)"; fi
	# TIOCLINUX
	pty -- "$PROBE_BIN" tioclinux 0
	[[ "$OUT" == *ESCAPED* ]] && ok "control for: TIOCLINUX reaches the tty layer on the host" || fail "control for: TIOCLINUX" "$(last_run)"
	pty -- "$GB_BIN" -- "$PROBE_BIN" tioclinux 0
	if { [[ "$OUT" == *BLOCKED* ]] && [ "$RC" = 0 ]; } || [ "$RC" = 159 ]; then ok "TIOCLINUX refused: $(echo $OUT)"
	else fail "TIOCLINUX refused" "$(last_run)"; fi
	pty --stdin-null -- "$GB_BIN" -- "$PROBE_BIN" tioclinux 1
	if { [[ "$OUT" == *BLOCKED* ]] && [ "$RC" = 0 ]; } || [ "$RC" = 159 ]; then ok "TIOCLINUX on a stdout terminal refused: $(echo $OUT)"
	else fail "TIOCLINUX on a stdout terminal refused" "$(last_run)"; fi
	# End to end: keystrokes pushed with TIOCSTI must not reach the outer
	# shell, which reads the terminal after glassbox exits.
	local marker=$W/injected-$$ inj=$W/inject.sh
	printf '#!/bin/sh\nprintf "touch %s\\n" | /usr/bin/python3 -c "import fcntl,sys,termios\nfor c in sys.stdin.read(): fcntl.ioctl(1, termios.TIOCSTI, c.encode())"\necho inject-done\n' "$marker" >"$inj"
	chmod 755 "$inj"
	chown "$CUR_UID" "$inj"
	# control: run on the host, the injection does reach the shell (root)
	if [ "$CUR_UID" = 0 ]; then
		rm -f "$marker"
		pty expect:'$ ' send:"$inj </dev/null\n" expect:inject-done sleep:1.5 send:'exit\n' -- \
			env PS1='$ ' /bin/bash --norc --noprofile -i
		if [ -e "$marker" ]; then ok "control for: injected keystrokes run in the outer shell"
		else fail "control for: injected keystrokes run in the outer shell" "$(last_run)"; fi
	fi
	local mode
	for mode in "" "</dev/null"; do
		rm -f "$marker"
		pty expect:'$ ' send:"$GB_BIN -- $inj $mode; echo gb-ex''it-\$?\n" expect:gb-exit- sleep:1.5 send:'exit\n' -- \
			env PS1='$ ' /bin/bash --norc --noprofile -i
		if [ ! -e "$marker" ] && [[ "$OUT" == *gb-exit-* ]]; then ok "keystrokes injected inside never reach the outer shell (stdin ${mode:-tty})"
		else fail "keystrokes injected inside never reach the outer shell (stdin ${mode:-tty})" "marker exists: $([ -e "$marker" ] && echo yes || echo no)" "$(last_run)"; fi
	done
	rm -f "$marker"
}

start_servers
for_each_user body
stop_extra
finish
