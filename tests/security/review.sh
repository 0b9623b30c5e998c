#!/bin/bash
# Escapes found in the security review, each tried from inside and shown to
# fail: host kernel knobs through /proc, fds handed in from the host reopened
# for writing, the user's terminal reachable from pipe mode, write-everything
# from a working directory of /, concurrent sessions unmasking each other,
# placeholder clean-up following planted symlinks, raw control bytes in
# error lines, and the userns-unavailable setup error.
. "$(dirname "$0")/../lib.sh"

body() {
	# --- /proc: knobs guarded only by uid (uid 0 inside is real root when
	# glassbox runs as root) ---
	gbrun -- /bin/sh -c 'echo 1 > /proc/sys/vm/drop_caches && echo WROTE'
	assert_not_contains "/proc/sys is read-only inside" "$OUT" WROTE
	assert_contains "/proc/sys write fails with EROFS" "$ERR" "Read-only file system"
	gbrun -- /bin/sh -c 'echo "|/bin/false" > /proc/sys/kernel/core_pattern && echo WROTE'
	assert_not_contains "core_pattern cannot be changed" "$OUT" WROTE
	if [ "$CUR_UID" = 0 ]; then
		hostrun /bin/sh -c 'test -w /proc/sys/vm/drop_caches && echo WRITABLE'
		assert_contains "control: /proc/sys/vm/drop_caches is writable on the host" "$OUT" WRITABLE
	fi

	# --- a file given as stdin cannot be reopened for writing ---
	local victim=$UD/victim.txt
	echo "original-$$" >"$victim"
	chown "$CUR_UID" "$victim"
	LAST_CMD="glassbox -- sh -c 'echo X 1<>/proc/self/fd/0' < victim"
	run_as "$GB_BIN" -- /bin/sh -c 'echo OVERWRITTEN 1<>/proc/self/fd/0; cat /dev/stdin' \
		<"$victim" >"$TROOT/out.$$" 2>"$TROOT/err.$$"
	RC=$?
	OUT=$(cat "$TROOT/out.$$")
	assert_file_is "stdin file not overwritten through /proc/self/fd/0" "$victim" "original-$$"
	assert_contains "stdin file still readable through /dev/stdin" "$OUT" "original-$$"
	hostrun /bin/sh -c "exec <'$victim'; echo CHANGED 1<>/proc/self/fd/0"
	assert_contains "control: the same reopen works on the host" "$(cat "$victim")" "CHANGED"

	# --- pipe mode with a terminal as stdout: the sandbox gets its own pty,
	# never the user's terminal ---
	local script_out
	script_out=$(run_as script -qec "echo in | $GB_BIN -- /bin/sh -c 'readlink /proc/self/fd/1; cat'" /dev/null 2>&1)
	assert_match "stdout terminal replaced by the sandbox's pty" "$script_out" "/dev/pts/0"
	assert_contains "piped stdin still reaches the command" "$script_out" "in"

	# --- a working directory of / does not make the host writable ---
	GB_CWD=/
	gbrun -- /bin/sh -c "echo x > /usr/local/gb-review-$$ && echo WROTE"
	GB_CWD=""
	assert_not_contains "cwd=/ does not make /usr writable" "$OUT" WROTE
	assert_absent "nothing written under /usr/local" "/usr/local/gb-review-$$"
	assert_contains "cwd=/ explains why / stays read-only" "$ERR" "not making / writable"

	# --- /tmp is private unless everything is writable (-A / bare --allow-write) ---
	local tmpf=/tmp/gb-review-$$-$CUR_UID
	rm -f "$tmpf"
	gbrun -- /bin/sh -c "echo private > $tmpf && cat $tmpf"
	assert_contains "private /tmp is writable inside" "$OUT" private
	assert_absent "private /tmp never reaches the host" "$tmpf"
	gbrun -A -- /bin/sh -c "echo shared > $tmpf"
	assert_file_is "-A writes reach the host /tmp" "$tmpf" shared
	rm -f "$tmpf"
	gbrun --allow-write -- /bin/sh -c "echo shared > $tmpf"
	assert_file_is "bare --allow-write writes reach the host /tmp" "$tmpf" shared
	rm -f "$tmpf"

	# --- concurrent sessions masking the same missing path ---
	local miss=$W/.vault-$$
	run_as "$GB_BIN" --deny-read="$miss" -- /bin/sleep 2 &
	local a=$!
	sleep 0.7
	run_as "$GB_BIN" --deny-read="$miss" -- /bin/sh -c "sleep 2.5; cat $miss/secret 2>/dev/null; ls -A $miss" \
		>"$TROOT/b.$$" 2>&1 &
	local b=$!
	wait "$a"
	# session A is gone; the user now puts a secret there on the host
	mkdir -p "$miss" 2>/dev/null && echo "SECRET-$$" >"$miss/secret"
	wait "$b"
	assert_not_contains "a session's mask survives another session's exit" "$(cat "$TROOT/b.$$")" "SECRET-$$"
	rm -rf "$miss"

	# --- placeholder clean-up never follows a symlink planted inside ---
	local keep=$UD/keep-$$
	mkdir -p "$keep/sub"
	chown -R "$CUR_UID" "$keep"
	gbrun --deny-read="$W/cfg/sub" -- /bin/sh -c "mv $W/cfg $W/cfg.moved && ln -s $keep $W/cfg"
	if [ -d "$keep/sub" ]; then ok "clean-up did not follow the planted symlink"; else fail "clean-up did not follow the planted symlink" "$keep/sub was removed" "$(last_run)"; fi
	rm -rf "$W/cfg" "$W/cfg.moved" "$keep"

	# --- raw control bytes never reach the terminal ---
	gbrun -- $'no-such-cmd\xc2\x9b31m\e]0;x\a'
	assert_rc "command not found gives 127" 127
	if printf '%s' "$ERR" | LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]\|\xc2\x9b'; then
		fail "error line is sanitised" "$(printf '%s' "$ERR" | od -c | head -5)"
	else
		ok "error line is sanitised ($ERR)"
	fi

	# --- second review: the proxy, the snapshot store, --restore ---
	# A request head that grows when normalised (bare LF, "a:b") once
	# overflowed the proxy's buffer and killed the supervisor.
	gbrun -- $PY -c 'import socket
s = socket.create_connection(("127.0.0.1", 3128))
s.sendall(b"GET http://a/ HTTP/1.1\n" + b"a:b\n" * 200 + b"\n")
print(s.recv(200).split(b"\r\n")[0].decode())'
	assert_rc "a growing request head does not kill glassbox" 0
	assert_match "it gets an HTTP answer" "$OUT" "^HTTP/1.1 (4|5)[0-9][0-9]"

	# A client that never finishes its request head is dropped (slowloris);
	# once per run (it takes ~30 s).
	if [ "$CUR_UID" = 0 ]; then
		gbrun -- $PY -c 'import socket, time
s = socket.create_connection(("127.0.0.1", 3128))
s.sendall(b"GET http://a/ HT")
s.settimeout(45)
t = time.time()
d = s.recv(100)
print("closed after %d s" % (time.time() - t), d[:20])'
		assert_match "a half-sent request head is dropped within the deadline" "$OUT" "^closed after (2[5-9]|3[0-9]) s"
	fi

	# The store's ancestors cannot be renamed from inside (a forged store
	# could otherwise take its place), and the store itself stays hidden.
	GB_CWD=$H
	gbrun --allow-write="$H" -- /bin/sh -c "mv $H/.local $H/.moved && echo MOVED; ls -A $H/.local/state/glassbox/snapshots"
	GB_CWD=""
	assert_not_contains "the snapshot store's parents cannot be renamed" "$OUT" MOVED
	if [ -d "$H/.local/state/glassbox/snapshots" ]; then ok "the store is still where glassbox looks for it"; else fail "the store is still where glassbox looks for it" "$(last_run)"; fi

	# --restore from HOME: the store lies inside the tracked tree and must
	# not be tracked (it was: the restore deleted its own objects).
	echo "ORIGINAL-$$" >"$H/important.txt"
	chown "$CUR_UID" "$H/important.txt"
	GB_CWD=$H
	gbrun --allow-write=. --restore -- /bin/sh -c 'echo CLOBBERED > important.txt'
	GB_CWD=""
	assert_file_is "--restore from HOME restores the file" "$H/important.txt" "ORIGINAL-$$"
	assert_not_contains "--restore from HOME reports no corrupt store" "$ERR" corrupt

	# --restore cannot leave code behind in .git (not tracked, so it could
	# not be rolled back): it is read-only for the run.
	mkdir_user "$W/.git" "$W/.git/hooks"
	gbrun --restore -- /bin/sh -c "echo evil > $W/.git/hooks/pre-commit"
	assert_absent "--restore: no hook planted in .git" "$W/.git/hooks/pre-commit"
	rm -rf "$W/.git"

	# No setuid/setgid files can be made inside.
	gbrun -- /bin/sh -c "cp /bin/true $W/suid && chmod 4755 $W/suid; install -m 2755 /bin/true $W/sgid"
	local modes
	modes=$(stat -c %a "$W/suid" "$W/sgid" 2>/dev/null | tr '\n' ' ')
	assert_not_contains "no setuid bit reaches the host" "$modes" 4755
	assert_not_contains "no setgid bit reaches the host" "$modes" 2755
	hostrun /bin/sh -c "cp /bin/true $W/suid-host && chmod 4755 $W/suid-host && stat -c %a $W/suid-host"
	assert_contains "control: chmod 4755 works on the host" "$OUT" 4755
	rm -f "$W/suid" "$W/sgid" "$W/suid-host"

	# --- no user namespaces: 125, one line saying what to do, nothing run ---
	local marker=$UD/ran-$$
	LAST_CMD="unshare -Ur: max_user_namespaces=0 then glassbox"
	OUT=$(run_as unshare -Ur /bin/sh -c "echo 0 > /proc/sys/user/max_user_namespaces && $GB_BIN -- /bin/touch $marker; echo rc=\$?" 2>"$TROOT/err.$$")
	ERR=$(cat "$TROOT/err.$$")
	assert_contains "no user namespaces: exit 125" "$OUT" "rc=125"
	assert_contains "no user namespaces: says what to do" "$ERR" "max_user_namespaces"
	assert_eq "no user namespaces: one line" 1 "$(printf '%s\n' "$ERR" | grep -c .)"
	assert_absent "no user namespaces: the command did not run" "$marker"
}

for_each_user body
finish
