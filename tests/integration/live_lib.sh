# tests/integration/live_lib.sh: helpers for the tests of running sessions
# (live.sh, ctl.sh, ask.sh), sourced after lib.sh.

# start_session LOG GLASSBOX-ARGS...: starts glassbox as the test user in the
# background (stdout/stderr to $UD/sess.out/err) and waits for its command
# to start; sets SESS_PID (to wait for) and SID (from the log).
start_session() {
	local log=$1
	shift
	rm -f "$log"
	run_as timeout -k 5 "$GB_TIMEOUT" "$GB_BIN" --log "$log" "$@" >"$UD/sess.out" 2>"$UD/sess.err" &
	SESS_PID=$!
	SID=""
	local i
	for ((i = 0; i < 100; i++)); do
		if grep -q '"kind":"exec"' "$log" 2>/dev/null; then
			SID=$(head -1 "$log" | sed -n 's/.*"session":"\([0-9a-f]*\)".*/\1/p')
			return 0
		fi
		sleep 0.1
	done
	echo "session did not start: $(cat "$UD/sess.err")"
	return 1
}

# end_session: waits for it; sets SESS_RC.
end_session() {
	wait "$SESS_PID"
	SESS_RC=$?
}

# wait_grep FILE ERE [SECONDS]: until a line of FILE matches.
wait_grep() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# wait_lines FILE N [SECONDS]: until FILE has at least N lines.
wait_lines() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# http_server ADDR DIR: python's http.server on ADDR, a free port; sets PORT.
http_server() {
	PORT=$($PY -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1")
	bg $PY -m http.server --bind "$1" --directory "$2" "$PORT" 2>/dev/null
	local i
	for ((i = 0; i < 100; i++)); do
		curl -s -o /dev/null "http://$1:$PORT/" && return 0
		sleep 0.05
	done
	echo "http.server on $1 did not start"
	return 1
}
