#!/bin/bash
# Ask mode in the TUI, end to end (tmux driving as in tui.sh): with --ask,
# questions queue at the top of the Denied pane with a countdown: allow once
# for a curl through the proxy to a python3 http.server started here, deny
# for another, an open allowed once, a mkdir allowed for the session (not
# "once": opens only), the countdown
# paused while a dialog is open, and running down to deny when nobody
# answers.
. "$(dirname "$0")/tui_live_lib.sh"

ask() {
	mkdir_user "$UD/tmux" "$UD/asked" "$UD/paused"
	local d=$UD/asked p=$UD/paused s t0 t1 n1 n2
	start_gb 200 50 --ask --ask-timeout=6
	if ! tmux_wait "$PS_RE" 10; then
		fail "the TUI starts with --ask" "$(tmux_screen)"
		tmux_kill
		return
	fi
	# --- allow once --------------------------------------------------------------------------
	tmux_keys "clear; curl -s -p http://127.0.0.7:$P7/hello.txt; echo C1-\$?" Enter
	tmux_wait "Asking 1" 10 && ok "a held CONNECT is queued at the top of Denied" ||
		fail "a held CONNECT is queued at the top of Denied" "$(tmux_screen)"
	s=$(tmux_screen)
	assert_match "the queue shows what is asked and the seconds left" "$s" "> +[0-9]+s net CONNECT 127\.0\.0\.7:$P7"
	assert_match "the status line says a question waits" "$(printf '%s\n' "$s" | tail -2)" "ASKING 1"
	tmux_keys M-3 o
	tmux_wait "^│C1-" 10
	s=$(tmux_screen)
	assert_contains "allow once: curl gets the file" "$s" "hello from www"
	assert_contains "allow once: curl exits 0" "$s" "C1-0"
	assert_not_contains "answered: the question leaves the queue" "$s" "Asking"
	assert_match "answered: the attempt shows in Network, allowed" "$s" "allow CONNECT 127\.0\.0\.7:$P7"
	# --- deny ------------------------------------------------------------------------------------
	tmux_keys Escape "clear; curl -s -p http://127.0.0.8:$P8/hello.txt; echo C2-\$?" Enter
	tmux_wait "Asking 1" 10
	tmux_keys M-3 d
	tmux_wait "^│C2-" 10
	s=$(tmux_screen)
	assert_match "deny: curl fails" "$s" "C2-(56|22|7)"
	assert_not_contains "deny: curl gets nothing" "$s" "hello from www
C2-"
	assert_match "denied: the attempt shows in Network, denied" "$s" "deny +CONNECT 127\.0\.0\.8:$P8"
	# --- an open for writing, allowed once ----------------------------------------------------------
	tmux_keys Escape "clear; touch $d/o1 && echo O1-ok || echo O1-no" Enter
	tmux_wait "Asking 1" 10
	assert_match "a held write is queued" "$(tmux_screen)" "> +[0-9]+s [a-z]+ $d/o1"
	tmux_keys M-3 o
	tmux_wait "^│O1-" 10
	assert_contains "allow once: the open goes through" "$(tmux_screen)" "O1-ok"
	assert_file_is "  ... and the file is on the host" "$d/o1" ""
	# --- a mkdir (not an open: no "once"), allowed for the session ------------------------------------
	tmux_keys Escape "clear; mkdir $d/w && echo W1-ok || echo W1-no" Enter
	tmux_wait "Asking 1" 10
	tmux_keys M-3 o
	tmux_wait "possible for opens only" 5 && ok "a mkdir cannot be allowed once: it says so" ||
		fail "a mkdir cannot be allowed once: it says so" "$(tmux_screen)"
	tmux_keys s
	tmux_wait "^│W1-" 10
	s=$(tmux_screen)
	assert_contains "allow for the session: the write goes through" "$s" "W1-ok"
	assert_match "its outcome stays as a Denied row" "$s" "HH:MM:SS allowed \\(asked\\) [a-z]+ $d"
	tmux_keys Escape
	try W2 "touch $d/w2"
	assert_eq "for the session: the next write is not asked" ok "$TRY"
	# --- the countdown pauses while a dialog is open (proxy and observer) ----------------------------
	tmux_keys "clear; (curl -s -p http://127.0.0.8:$P8/hello.txt; echo C3-\$?) & touch $p/x; echo T3-\$?; wait" Enter
	tmux_wait "Asking 2" 10 || fail "a CONNECT and a write both queued" "$(tmux_screen)"
	tmux_keys F1
	sleep 8 # longer than --ask-timeout=6
	tmux_keys q
	tmux_wait "Asking 2" 2 && ok "a dialog open longer than the timeout: both questions still wait" ||
		fail "a dialog open longer than the timeout: both questions still wait" "$(tmux_screen)"
	tmux_keys M-3 d
	tmux_wait "Asking 1" 5
	tmux_keys d
	tmux_wait "^│T3-" 10
	tmux_wait "^│C3-" 10
	s=$(tmux_screen)
	assert_match "answered deny after the pause: the write fails" "$s" "T3-1"
	assert_match "answered deny after the pause: the CONNECT fails" "$s" "C3-(56|22|7)"
	assert_absent "nothing written" "$p/x"
	# --- the countdown runs and times out to deny --------------------------------------------------------
	tmux_keys Escape
	sleep 3.5 # the pause after the last key for the UI ends
	tmux_keys "clear; curl -s -p http://127.0.0.8:$P8/hello.txt; echo C4-\$?" Enter
	t0=$(date +%s%N)
	tmux_wait "Asking 1" 10
	sleep 1.2
	n1=$(tmux_screen | sed -nE 's/.*> +([0-9]+)s net.*/\1/p' | head -1)
	sleep 2.2
	n2=$(tmux_screen | sed -nE 's/.*> +([0-9]+)s net.*/\1/p' | head -1)
	if [ -n "$n1" ] && [ -n "$n2" ] && [ "$n2" -lt "$n1" ]; then
		ok "the countdown is visible and runs ($n1 s, then $n2 s)"
	else
		fail "the countdown is visible and runs" "n1=$n1 n2=$n2 $(tmux_screen)"
	fi
	tmux_wait "^│C4-" 10
	t1=$(date +%s%N)
	s=$(tmux_screen)
	assert_match "unanswered: denied" "$s" "C4-(56|22|7)"
	assert_not_contains "timed out: the question left the queue" "$s" "Asking"
	local ms=$(((t1 - t0) / 1000000))
	if [ "$ms" -ge 5500 ] && [ "$ms" -le 12000 ]; then ok "it timed out after ${ms} ms (--ask-timeout=6)"
	else fail "it timed out after ${ms} ms, expected about 6000" "$s"; fi
	tmux_keys F10
	tmux_wait "GB-EXIT=" 10
	tmux_kill
}

for_each_user ask
finish
