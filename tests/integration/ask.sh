#!/bin/bash
# Ask mode for the network (--ask): a request no rule allows is held by the
# proxy and announced as a decision event; answered over the control socket
# it goes through once (asked again next time), for the session (a live
# allow-net rule: not asked again), or is refused; unanswered it is refused
# after --ask-timeout. CONNECT (curl -p), plain HTTP and SOCKS5 against
# python http.servers on 127.0.0.7-9; writes (--ask=write) held by the
# observer, answered deny, timeout, once (opens: the supervisor opens the
# file, the process gets the descriptor) or session (a created file: that
# file only); the events validate.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"

GB_TIMEOUT=60
WWW=$TROOT/www
mkdir -p "$WWW"
echo hello >"$WWW/hello.txt"
chmod -R a+rX "$WWW"
http_server 127.0.0.7 "$WWW" || exit 1
P7=$PORT
http_server 127.0.0.8 "$WWW" || exit 1
P8=$PORT
http_server 127.0.0.9 "$WWW" || exit 1
P9=$PORT

# answer ID ANSWER: waits for the question, answers it; sets OUT/ERR/RC.
answer() {
	if ! wait_grep "$LOG" "\"id\":\"$1\",(\"category\":\"[a-z]+\",)?\"state\":\"pending\"" 10; then
		fail "question $1 asked" "$(tail -3 "$LOG")"
		return
	fi
	gbrun ctl "$SID" answer "$1" "$2"
}

body() {
	LOG=$UD/ask.jsonl
	# --- bad input --------------------------------------------------------
	gbrun --ask=bogus -- true
	assert_rc "--ask=bogus: exit 2" 2
	gbrun --ask=net,disk -- true
	assert_rc "--ask=net,disk: exit 2" 2
	assert_eq "it names the category" "glassbox: --ask: unknown category 'disk' (net, write)" "$ERR"
	gbrun --ask-timeout=0 -- true
	assert_rc "--ask-timeout=0: exit 2" 2

	# --- control: without --ask the same request is refused at once ------
	gbrun -- curl -s -o /dev/null -w '%{http_connect}' -p "http://127.0.0.7:$P7/hello.txt"
	assert_eq "without --ask: CONNECT refused at once (403)" 403 "$OUT"

	cat >"$W/ask.sh" <<'SH'
t() { s=$(date +%s%N); r=$(curl -sS "$@" 2>&1); echo "$? $(( ($(date +%s%N) - s) / 1000000 )) $r" >>res; }
t -p "http://127.0.0.7:$1/hello.txt"
t -p "http://127.0.0.7:$1/hello.txt"
t "http://127.0.0.7:$1/hello.txt"
t -p "http://127.0.0.8:$2/hello.txt"
t -p "http://127.0.0.9:$3/hello.txt"
t -x "socks5h://127.0.0.1:3128" "http://127.0.0.8:$2/hello.txt"
SH
	rm -f "$W/res"
	start_session "$LOG" --ask=net --ask-timeout=4 -- sh ask.sh "$P7" "$P8" "$P9" ||
		{ fail "session starts" "$(cat "$UD/sess.err")"; return; }
	answer net-1 once
	assert_rc "answer once: exit 0" 0
	wait_lines "$W/res" 1 10
	assert_match "allow once: the CONNECT goes through" "$(sed -n 1p "$W/res")" '^0 [0-9]+ hello$'
	answer net-2 session
	assert_rc "answer session: exit 0" 0
	wait_lines "$W/res" 3 10
	assert_match "once is once: asked again, then allowed for the session" "$(sed -n 2p "$W/res")" '^0 [0-9]+ hello$'
	assert_match "allowed for the session: a plain request is not asked again" "$(sed -n 3p "$W/res")" '^0 [0-9]+ hello$'
	answer net-3 deny
	wait_lines "$W/res" 4 10
	assert_match "deny: the CONNECT is refused (403)" "$(sed -n 4p "$W/res")" '^56 .*403'
	wait_grep "$LOG" '"id":"net-4","state":"pending"' 10
	wait_lines "$W/res" 5 10
	local line5
	line5=$(sed -n 5p "$W/res")
	assert_match "unanswered: refused after the timeout" "$line5" '^56 .*403'
	local ms=${line5#* }
	ms=${ms%% *}
	if [ "$ms" -ge 3900 ] && [ "$ms" -le 9000 ]; then ok "the timeout took ${ms} ms (--ask-timeout=4)"
	else fail "the timeout took ${ms} ms, expected about 4000" "$line5"; fi
	gbrun ctl "$SID" answer net-4 once
	assert_rc "answering a timed-out question: exit 1" 1
	assert_contains "it says it is not pending" "$ERR" "no pending question net-4"
	answer net-5 once
	wait_lines "$W/res" 6 10
	assert_match "SOCKS5 is held and answered too" "$(sed -n 6p "$W/res")" '^0 [0-9]+ hello$'
	end_session
	assert_eq "the session ends normally" 0 "$SESS_RC"

	local states
	states=$(grep '"kind":"decision"' "$LOG" | sed -n 's/.*"id":"\(net-[0-9]*\)","state":"\([a-z]*\)".*/\1:\2/p' | tr '\n' ' ')
	assert_eq "decision events" "net-1:pending net-1:answered net-2:pending net-2:answered net-3:pending net-3:answered net-4:pending net-4:timeout net-5:pending net-5:answered " "$states"
	assert_contains "a question names the flag that would allow it" "$(grep '"id":"net-1","state":"pending"' "$LOG")" "\"flag\":\"--allow-net=127.0.0.7:$P7\""
	assert_contains "allow for the session is a live rule change" "$(grep policy_change "$LOG")" "\"value\":\"127.0.0.7:$P7\""
	assert_contains "the once-allowed attempt is logged with its rule" "$(grep '"kind":"network"' "$LOG" | head -1)" '"rule":"ask:once"'
	assert_schema "ask events validate against docs/events.schema.json" "$LOG"

	# --- writes: held by the observer until answered ------------------------
	# $wout is read-only inside; each line of askw.sh is one open (or mkdir)
	# there, answered as the comment says.
	local wout=$UD/wout
	mkdir_user "$wout"
	cat >"$W/askw.sh" <<'SH'
w() { if echo "$2" >"$1/$3" 2>/dev/null; then echo "$3 ok"; else echo "$3 refused"; fi >>resw; }
w "$1" a a      # write-1 deny
w "$1" b b      # write-2 timeout
w "$1" c c      # write-3 once: created
w "$1" c2 c     # write-4 the same file again: asked again, deny
echo c3 >>"$1/c" 2>/dev/null && echo "c append ok" >>resw || echo "c append refused" >>resw # write-5 once
w "$1" d d      # write-6 session: d alone becomes writable
w "$1" d2 d     # no question
w "$1" e e      # write-7 its sibling is still asked: deny
if mkdir "$1/m" 2>/dev/null; then echo "m ok"; else echo "m refused"; fi >>resw # write-8 once refused, then session
w "$1" f f      # the directory is writable now: no question
SH
	rm -f "$W/resw"
	start_session "$LOG" --ask=write --ask-timeout=4 -- sh askw.sh "$wout" ||
		{ fail "session starts" "$(cat "$UD/sess.err")"; return; }
	answer write-1 deny
	assert_rc "write: answer deny" 0
	wait_lines "$W/resw" 1 10
	wait_grep "$LOG" '"id":"write-2","category":"write","state":"pending"' 10
	wait_lines "$W/resw" 2 10
	answer write-3 once
	assert_rc "write: answer once" 0
	wait_lines "$W/resw" 3 10
	assert_file_is "once: the created file reached the host" "$wout/c" c
	assert_eq "once: the file belongs to the user, mode from the process's umask" \
		"$CUR_UID 644" "$(stat -c '%u %a' "$wout/c")"
	answer write-4 deny
	assert_rc "once is once: the same write is asked again (write-4)" 0
	answer write-5 once
	wait_lines "$W/resw" 5 10
	assert_eq "once keeps the process's flags (O_APPEND)" "c c3" "$(tr '\n' ' ' <"$wout/c" | sed 's/ $//')"
	answer write-6 session
	assert_rc "write: answer session" 0
	answer write-7 deny
	assert_rc "a sibling of the granted file is still asked (write-7)" 0
	answer write-8 once
	assert_rc "write: once for a mkdir is refused" 1
	assert_contains "it says why" "$ERR" "allow once is possible for opens only"
	gbrun ctl "$SID" answer write-8 session
	assert_rc "write: mkdir answered session after all" 0
	end_session
	assert_eq "write: deny, timeout, once, asked again, once, session, no question, sibling denied, mkdir session" \
		"a refused b refused c ok c refused c append ok d ok d ok e refused m ok f ok" \
		"$(tr '\n' ' ' <"$W/resw" | sed 's/ $//')"
	assert_absent "the denied write left nothing on the host" "$wout/a"
	assert_absent "the denied sibling left nothing on the host" "$wout/e"
	assert_file_is "the file allowed for the session reached the host" "$wout/d" d2
	assert_eq "session for a created file: the rule is that file, later the directory (mkdir)" \
		"$wout/d $wout" "$(grep '"kind":"policy_change"' "$LOG" | sed -n 's/.*"value":"\([^"]*\)".*/\1/p' | tr '\n' ' ' | sed 's/ $//')"
	states=$(grep '"kind":"decision"' "$LOG" | sed -n 's/.*"id":"\(write-[0-9]*\)".*"state":"\([a-z]*\)".*/\1:\2/p' | tr '\n' ' ')
	assert_eq "write decision events" "write-1:pending write-1:answered write-2:pending write-2:timeout write-3:pending write-3:answered write-4:pending write-4:answered write-5:pending write-5:answered write-6:pending write-6:answered write-7:pending write-7:answered write-8:pending write-8:answered " "$states"
	assert_contains "a write question names the flag" "$(grep '"id":"write-1","category":"write","state":"pending"' "$LOG")" "\"flag\":\"--allow-write=$wout\""
	assert_contains "a create question grants the file" "$(grep '"id":"write-1","category":"write","state":"pending"' "$LOG")" "\"grant\":\"$wout/a\",\"answers\":[\"once\",\"session\",\"deny\"]"
	assert_contains "a mkdir question cannot be answered once" "$(grep '"id":"write-8","category":"write","state":"pending"' "$LOG")" "\"grant\":\"$wout\",\"answers\":[\"session\",\"deny\"]"
	assert_contains "once is logged as once" "$(grep '"id":"write-3","state":"answered"' "$LOG")" '"answer":"once"'
	assert_schema "write ask events validate" "$LOG"

	# --- headless: asked on glassbox's own terminal -------------------------
	# stdin is not a terminal, so the keyboard is free for the answers.
	hostrun $PY "$PTY_RUN" --stdin-null --timeout 30 "expect:[o]nce" "send:o\n" "expect:hello" \
		"expect:[o]nce" "send:d\n" "expect:rc=56" -- "$GB_BIN" --ask -- sh -c \
		"curl -sS -p http://127.0.0.7:$P7/hello.txt; curl -sS -p http://127.0.0.8:$P8/hello.txt; echo rc=\$?"
	assert_rc "terminal answers: the run completes" 0
	assert_contains "the question is shown on the terminal" "$OUT" "ask net-1: connect CONNECT 127.0.0.7:$P7"
	assert_contains "o answers once" "$OUT" "ask net-1: answered: once"
	assert_contains "d answers deny" "$OUT" "ask net-2: answered: deny"
	assert_contains "the denied CONNECT fails" "$OUT" "response 403"

	# A write on the terminal: once for an open, no [o]nce for a mkdir.
	# (--ask: the headless face opens the terminal only when net is asked.)
	hostrun $PY "$PTY_RUN" --stdin-null --timeout 30 "expect:write-1: allow [o]nce" "send:o\n" \
		"expect:T-WROTE" "expect:write-2: allow for the [s]ession" "send:o\n" "send:d\n" "expect:rc=1" \
		-- "$GB_BIN" --ask -- sh -c "echo T-WROTE >$wout/t && cat $wout/t; mkdir $wout/n; echo rc=\$?"
	assert_rc "terminal answers a write: the run completes" 0
	assert_contains "o answers a write once" "$OUT" "ask write-1: answered: once"
	assert_contains "o is ignored for a mkdir, d denies it" "$OUT" "ask write-2: answered: deny"
	assert_file_is "the write allowed once on the terminal reached the host" "$wout/t" T-WROTE
}

for_each_user body
finish
