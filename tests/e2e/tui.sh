#!/bin/bash
# The TUI end to end: the real binary in a private tmux server at fixed
# sizes, driven with send-keys and read with capture-pane. Screens that do
# not depend on timing are compared with golden files (tests/e2e/golden/,
# normalised: session id, clock times, CPU and memory figures, ports); the
# rest is checked by content. GB_UPDATE_GOLDEN=1 rewrites the golden files.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

WEB=$TROOT/web
mkdir -p "$WEB"
echo "served file" >"$WEB/existing.txt"
chmod -R a+rX "$WEB"
read -r PORT OTHER < <($PY -c '
import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
bg $PY -m http.server --bind 127.0.0.1 --directory "$WEB" "$PORT" >/dev/null 2>&1
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done

body() {
	mkdir_user "$UD/tmux"
	local port=$PORT other=$OTHER

	# --- start-up, narrow: tabs ---------------------------------------------
	start_gb 80 24 --allow-net=127.0.0.1:$port
	if ! tmux_wait "$PS_RE" 10; then
		fail "the TUI starts and the shell prompts" "$(tmux_screen)"
		tmux_kill
		return
	fi
	ok "the TUI starts and the shell prompts"
	golden "startup-80x24"

	# --- the mouse: tabs and the key bar are clickable -------------------------
	tmux_click 12 0
	tmux_wait "no network activity yet" 5 && ok "clicking the Network tab shows it" ||
		fail "clicking the Network tab shows it" "$(tmux_screen)"
	tmux_click 2 0
	tmux_wait -v "no network activity yet" 5
	tmux_click 1 23
	tmux_wait "glassbox keys" 5 && ok "clicking F1 in the key bar opens the help" ||
		fail "clicking F1 in the key bar opens the help" "$(tmux_screen)"
	tmux_keys q

	# --- typing in the shell ------------------------------------------------
	tmux_keys 'echo hello-$((6*7)) $TERM' Enter
	tmux_wait "hello-42" 5 && ok "typed command's output in the shell pane" ||
		fail "typed command's output in the shell pane" "$(tmux_screen)"
	assert_contains "programs in the pane get TERM=xterm-256color" "$(tmux_screen)" "hello-42 xterm-256color"

	# --- colours --------------------------------------------------------------
	tmux_keys 'mkdir -p colourdir && ls --color=always -d colourdir' Enter
	tmux_wait "colourdir" 5
	local esc
	esc=$(tmux_screen -e)
	assert_match "ls --color reaches the pane in colour" "$esc" $'\e\\[[0-9;]*(34|94)m[^\n]*colourdir'

	# --- a full-screen program: less on the alternate screen ------------------
	tmux_keys 'seq 1 200 | LESSHISTFILE=- less' Enter
	tmux_wait '^│1 +│$' 5 >/dev/null
	tmux_wait ":" 5 >/dev/null
	local s
	s=$(tmux_screen)
	assert_match "less fills the pane from line 1" "$s" $'\n│1 +│'
	assert_not_contains "less hides the shell's screen" "$s" "seq 1 200"
	tmux_keys q
	tmux_wait "hello-42" 5 && ok "leaving less restores the shell's screen" ||
		fail "leaving less restores the shell's screen" "$(tmux_screen)"

	# --- resize to wide: side panes -------------------------------------------
	tmux_resize 200 50
	tmux_wait "2 Network" 5
	tmux_keys 'clear; stty size' Enter
	tmux_wait "^│46 122" 5 && ok "resize: the shell sees its pane's size (46 122)" ||
		fail "resize: the shell sees its pane's size (46 122)" "$(tmux_screen)"
	golden "wide-200x50"

	# --- mouse passthrough: a program that asked for reports gets them ----------
	tmux_keys 'clear; stty raw -echo; printf "\033[?1000h"; head -c 6 | od -An -tx1; printf "\033[?1000l"; stty sane' Enter
	sleep 0.5
	tmux_click 10 10
	tmux_wait "1b 5b 4d 20 2a 2a" 5 && ok "a click reaches a program in mouse mode (pane-relative)" ||
		fail "a click reaches a program in mouse mode (pane-relative)" "$(tmux_screen)"

	# --- network: one denied, one allowed -------------------------------------
	tmux_keys "clear; curl -s -o /dev/null -w 'code=%{http_code}\\n' http://127.0.0.1:$other/nope" Enter
	tmux_wait "code=403" 10
	tmux_keys "curl -s -o /dev/null -w 'code=%{http_code}\\n' http://127.0.0.1:$port/existing.txt" Enter
	tmux_wait "code=200" 10
	tmux_wait "allow GET 127.0.0.1" 5
	s=$(tmux_screen)
	assert_match "Network shows the denied attempt" "$s" "HH:MM:SS deny  GET 127.0.0.1:PORT"
	assert_match "Network shows the allowed one" "$s" "HH:MM:SS allow GET 127.0.0.1:PORT 200 N up N down"
	assert_contains "Network's title counts them" "$s" "2 Network 2 (1 denied)"

	# --- focus, details, filter -----------------------------------------------
	tmux_keys M-2
	tmux_keys Up Enter
	tmux_wait "To allow it: --allow-net=127.0.0.1:PORT" 5 &&
		ok "Enter on a denied attempt shows the flag that allows it" ||
		fail "Enter on a denied attempt shows the flag that allows it" "$(tmux_screen)"
	tmux_keys q
	tmux_keys / a l l o w Enter
	tmux_wait "/allow" 5
	s=$(tmux_screen)
	assert_contains "the filter line is shown" "$s" "/allow"
	assert_not_contains "the filter hides the denied attempt" "$s" "deny  GET"
	assert_contains "the filter keeps the allowed one" "$s" "allow GET"
	tmux_keys / Escape

	# --- denied: a write outside the writable paths ------------------------------
	tmux_keys M-1 'clear; echo x > /etc/gb-e2e-denied' Enter
	tmux_wait "sh create /etc/gb-e2e-denied" 10 && ok "Denied shows the refused write" ||
		fail "Denied shows the refused write" "$(tmux_screen)"
	tmux_keys M-3 Enter
	tmux_wait "To allow it: --allow-write=/etc" 5 && ok "Enter on a denial shows the flag that allows it" ||
		fail "Enter on a denial shows the flag that allows it" "$(tmux_screen)"
	tmux_keys q M-2

	# --- zoom and help ----------------------------------------------------------
	tmux_keys F5
	tmux_wait "zoomed" 5
	golden "zoom-network-200x50"
	tmux_keys F5 Escape
	tmux_keys F1
	tmux_wait "Everywhere" 5
	golden "help-200x50"
	tmux_keys q

	# --- exit: the prefix key, then 1, gives the shell the keyboard back ---------
	tmux_keys C-g 1
	tmux_keys 'clear; exit 7' Enter
	tmux_wait "GB-EXIT=7" 10 && ok "the shell's exit status is glassbox's" ||
		fail "the shell's exit status is glassbox's" "$(tmux_screen)"
	assert_eq "the terminal is back from the alternate screen" 0 "$(tmux_alt_on)"
	tmux_kill
}

for_each_user body
finish
