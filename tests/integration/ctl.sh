#!/bin/bash
# The control socket and its CLI face: `glassbox ls` lists a running session
# and not a finished one, and removes a dead session's socket; policy.get
# reflects patches; network rules toggled with `glassbox ctl` change the next
# curl of the running command (python http.server on 127.0.0.6); events are
# streamed to subscribers; malformed JSON gets an error reply, not a crash;
# another uid is refused (file modes, and SO_PEERCRED for root); the socket
# is absent inside the sandbox, also with -A (host /tmp bound); bad input is
# one line and exit 2.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"

GB_TIMEOUT=60
WWW=$TROOT/www
mkdir -p "$WWW"
echo hello >"$WWW/hello.txt"
chmod -R a+rX "$WWW"
http_server 127.0.0.6 "$WWW" || exit 1

# client UID SOCKET LINES: sends LINES to the socket as UID, prints replies
# (or "refused: ..." when the connection is refused).
client() {
	local uid=$1 sock=$2 lines=$3 pre=()
	[ "$uid" != 0 ] && pre=(setpriv --reuid="$uid" --regid="$uid" --clear-groups)
	printf '%b' "$lines" | timeout 10 "${pre[@]}" $PY -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("refused: connect: %s" % e.strerror); sys.exit(0)
s.sendall(sys.stdin.buffer.read()); s.shutdown(socket.SHUT_WR)
print(s.makefile().read(), end="")' "$sock"
}

body() {
	local log=$UD/ctl.jsonl cdir=/tmp/glassbox-$CUR_UID
	# --- bad input --------------------------------------------------------
	gbrun ctl
	assert_rc "ctl without arguments: exit 2" 2
	assert_eq "one line on stderr" 1 "$(printf '%s\n' "$ERR" | wc -l)"
	gbrun ctl 0123456789ab policy
	assert_rc "unknown session: exit 2" 2
	assert_eq "it names the session" "glassbox: no running session '0123456789ab' (see glassbox ls)" "$ERR"
	gbrun ls extra
	assert_rc "ls takes no arguments" 2

	rm -f "$W/stop" "$W/res"
	cat >"$W/net.sh" <<'SH'
for n in 1 2 3; do
	while [ ! -e go$n ]; do [ -e stop ] && exit 0; sleep 0.05; done
	curl -s -o /dev/null -w "%{http_code}\n" "$1" >>res
done
while [ ! -e stop ]; do sleep 0.05; done
SH
	local url=http://127.0.0.6:$PORT/hello.txt
	start_session "$log" -- sh net.sh "$url" || { fail "session starts" "$(cat "$UD/sess.err")"; return; }
	local sock=$cdir/$SID.sock
	if [ -S "$sock" ] && [ "$(stat -c %a "$sock")" = 600 ] && [ "$(stat -c %a "$cdir")" = 700 ] &&
		[ "$(stat -c %u "$cdir")" = "$CUR_UID" ]; then
		ok "socket $sock is 0600 in a 0700 directory of the user"
	else
		fail "socket mode" "$(ls -la "$cdir")"
	fi
	gbrun ls
	assert_rc "ls exits 0" 0
	assert_match "ls lists the running session with its command" "$OUT" "$SID +[0-9]+ .* sh net.sh"
	gbrun ctl "$SID" frobnicate
	assert_rc "unknown ctl command: exit 2" 2
	gbrun ctl "$SID" allow-net 'bad host!'
	assert_rc "invalid host: exit 2" 2
	assert_eq "invalid host: one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"

	# --- events, network toggled mid-run ----------------------------------
	run_as timeout 30 "$GB_BIN" ctl "$SID" events >"$UD/events.txt" 2>&1 &
	local evpid=$!
	sleep 0.3
	touch "$W/go1"
	wait_lines "$W/res" 1 10
	gbrun ctl "$SID" allow-net "127.0.0.6:$PORT"
	assert_eq "ctl allow-net" "add allow_net 127.0.0.6:$PORT: proxy rules updated for new requests" "$OUT"
	touch "$W/go2"
	wait_lines "$W/res" 2 10
	gbrun ctl "$SID" policy
	assert_contains "policy.get shows the added rule" "$OUT" "\"127.0.0.6:$PORT\""
	gbrun ctl "$SID" revoke-net "127.0.0.6:$PORT"
	assert_rc "ctl revoke-net" 0
	gbrun ctl "$SID" deny-net 127.0.0.6
	assert_rc "ctl deny-net" 0
	touch "$W/go3"
	wait_lines "$W/res" 3 10
	assert_eq "curl: refused, allowed after allow-net, refused after revoke/deny" "403 200 403" \
		"$(tr '\n' ' ' <"$W/res" | sed 's/ $//')"
	gbrun ctl "$SID" policy
	assert_not_contains "policy.get no longer shows the revoked rule" "$OUT" "\"127.0.0.6:$PORT\""
	assert_contains "policy.get shows the deny rule" "$OUT" '"deny_net":	["127.0.0.6"]'
	assert_contains "the subscriber got the policy_change events" "$(cat "$UD/events.txt")" '"kind":"policy_change"'
	assert_contains "and the network events" "$(cat "$UD/events.txt")" '"kind":"network"'

	# --- the protocol -----------------------------------------------------
	local r
	r=$(client "$CUR_UID" "$sock" '{bad json\n{"cmd":"nope","id":7}\n{"cmd":"policy.patch","id":8,"add":{"allow_net":[5]}}\n{"cmd":"policy.get","id":9}\n')
	assert_contains "malformed JSON gets an error reply" "$(printf '%s\n' "$r" | sed -n 1p)" '"ok":false,"error":"malformed request'
	assert_contains "an unknown command gets an error naming it" "$(printf '%s\n' "$r" | sed -n 2p)" '"id":7,"ok":false,"error":"unknown command nope'
	assert_contains "a patch with a non-string gets an error" "$(printf '%s\n' "$r" | sed -n 3p)" '"id":8,"ok":false'
	assert_contains "the session still answers after them" "$(printf '%s\n' "$r" | sed -n 4p)" '"id":9,"ok":true,"policy"'
	r=$(client "$CUR_UID" "$sock" "$($PY -c 'print("x" * 70000)')\n")
	assert_contains "an over-long line is refused" "$r" "request line too long"

	local other=65534
	[ "$CUR_UID" = 65534 ] && other=0
	r=$(client "$other" "$sock" '{"cmd":"policy.get"}\n')
	assert_contains "uid $other is refused" "$r" "refused"
	assert_not_contains "uid $other gets no policy" "$r" '"ok":true'
	r=$(client 65533 "$sock" '{"cmd":"policy.get"}\n')
	assert_contains "uid 65533 is refused" "$r" "refused"

	# --- invisible inside ---------------------------------------------------
	gbrun -- sh -c "ls -A '$cdir' 2>&1; [ -e '$sock' ] && echo VISIBLE || echo absent"
	assert_contains "inside: the control socket is absent" "$OUT" absent
	gbrun -A -- sh -c "ls -A '$cdir' 2>&1; [ -e '$sock' ] && echo VISIBLE || echo absent; $PY -c 'import socket; s=socket.socket(socket.AF_UNIX); s.connect(\"$sock\")' 2>&1 | tail -1"
	assert_contains "inside with -A (host /tmp bound): absent" "$OUT" absent
	assert_not_contains "inside with -A: the directory shows nothing" "$OUT" ".sock"
	assert_contains "inside with -A: connecting fails" "$OUT" "Error"
	# Another session computing another control directory (its own
	# XDG_RUNTIME_DIR) masks only that one: with -A its sandbox sees this
	# session's socket. Same uid, but a sandboxed client is refused all the
	# same (its user namespace is not the owner's).
	mkdir_user "$UD/xdg-other"
	chmod 700 "$UD/xdg-other"
	GB_ENV=(XDG_RUNTIME_DIR="$UD/xdg-other")
	gbrun -A -- $PY -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError as e:
    print("connect failed:", e.strerror); sys.exit(0)
s.sendall(b"{\"cmd\":\"policy.patch\",\"add\":{\"allow_net\":[\"planted.example\"]}}\n")
s.shutdown(socket.SHUT_WR)
print("reply:", s.makefile().read())' "$sock"
	GB_ENV=()
	assert_match "a sandbox that can reach another session's socket is refused" "$OUT" \
		"connect failed|refused: only the session"
	gbrun ctl "$SID" policy
	assert_not_contains "and that session's policy is unchanged" "$OUT" "planted.example"

	touch "$W/stop"
	end_session
	wait "$evpid" 2>/dev/null
	assert_eq "the session ended normally" 0 "$SESS_RC"
	assert_contains "the subscriber saw the exit event" "$(cat "$UD/events.txt")" '"kind":"exit"'
	assert_absent "the socket is removed at the end" "$sock"
	gbrun ls
	assert_not_contains "ls no longer lists the finished session" "$OUT" "$SID"
	gbrun ctl "$SID" policy
	assert_rc "ctl on a finished session: exit 2" 2

	# --- a dead session's socket -----------------------------------------
	local dead=$cdir/deadbeef0000.sock
	run_as $PY -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$dead"
	[ -S "$dead" ] || fail "stale socket planted" "$(ls -la "$cdir")"
	gbrun ls
	assert_rc "ls with a stale socket exits 0" 0
	assert_absent "ls removes the stale socket" "$dead"
	assert_schema "ctl events validate" "$log"
}

for_each_user body
finish
