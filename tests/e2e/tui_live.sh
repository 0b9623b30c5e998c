#!/bin/bash
# The TUI's live permissions, end to end (tmux driving as in tui.sh): a path
# added, toggled (read-only, deny, write) and removed in the F2 Permissions
# dialog changes what the next command typed in the shell may do; a bad entry
# is one error line; a host added in F2 is reachable and shows in the status
# line; "allow now" from a Denied and from a Network entry's details. Ask mode is tui_ask.sh.
. "$(dirname "$0")/tui_live_lib.sh"

perms() {
	mkdir_user "$UD/tmux" "$UD/outside" "$UD/other"
	local d=$UD/outside o=$UD/other s
	start_gb 200 50
	if ! tmux_wait "$PS_RE" 10; then
		fail "the TUI starts" "$(tmux_screen)"
		tmux_kill
		return
	fi
	assert_match "the status line: no network allowed" "$(tmux_screen | tail -2)" "net: none"
	# --- F2: add a path, the next command may write there ------------------------
	try t1 "touch $d/a"
	assert_eq "control: outside the working directory a write fails" no "$TRY"
	tmux_keys F2
	tmux_wait "Changes apply to the running shell at once" 5 &&
		ok "F2 says changes apply to the running shell" ||
		fail "F2 says changes apply to the running shell" "$(tmux_screen)"
	tmux_keys a
	tmux_cmd send-keys -t 0 -l "$d"
	tmux_keys Enter
	tmux_wait "applied: add allow-write $d" 10 && ok "F2 add: the dialog shows it applied" ||
		fail "F2 add: the dialog shows it applied" "$(tmux_screen)"
	assert_match "F2 lists the path as writable" "$(tmux_screen)" "write +$d"
	tmux_keys q
	try t2 "touch $d/a"
	assert_eq "after F2 add, the next command writes there" ok "$TRY"
	[ -e "$d/a" ] && ok "the file is on the host" || fail "the file is on the host" "$(ls -la "$d")"
	# --- toggle: read-only (revoked) ----------------------------------------------------
	tmux_keys F2
	tmux_wait "Permissions" 5
	tmux_keys t
	tmux_wait "read-only +$d" 10 && ok "F2 toggle: the path becomes read-only" ||
		fail "F2 toggle: the path becomes read-only" "$(tmux_screen)"
	tmux_keys q
	try t3 "touch $d/b"
	assert_eq "after the toggle, the next write there fails" no "$TRY"
	assert_absent "nothing written" "$d/b"
	try t4 "cat $d/a"
	assert_eq "read-only: still readable" ok "$TRY"
	# --- toggle: deny (hidden), then back to write --------------------------------------
	tmux_keys F2 t
	tmux_wait "deny +$d" 10 && ok "F2 toggle again: the path is denied" ||
		fail "F2 toggle again: the path is denied" "$(tmux_screen)"
	tmux_keys q
	try t5 "ls $d/a"
	assert_eq "denied: not even readable" no "$TRY"
	tmux_keys F2 t
	tmux_wait "write +$d" 10
	tmux_keys q
	try t6 "touch $d/c"
	assert_eq "toggled round to write: writable again" ok "$TRY"
	# --- remove ---------------------------------------------------------------------------
	tmux_keys F2 x
	tmux_wait "applied: remove allow-write $d" 10 && ok "F2 remove: applied" ||
		fail "F2 remove: applied" "$(tmux_screen)"
	tmux_keys q
	try t7 "touch $d/e"
	assert_eq "after remove, the write fails again" no "$TRY"
	# --- an error is one readable line ------------------------------------------------------
	tmux_keys F2 a
	tmux_cmd send-keys -t 0 -l "relative/path"
	tmux_keys Enter
	tmux_wait "error: " 5
	assert_match "a bad entry: one error line in the dialog" "$(tmux_screen)" "error: relative/path: give an absolute path"
	# --- a host: the status line's policy summary follows ----------------------------------
	tmux_keys a
	tmux_cmd send-keys -t 0 -l "127.0.0.7:$P7"
	tmux_keys Enter
	tmux_wait "applied: add allow-net 127.0.0.7:$P7" 10
	assert_match "F2 lists the host as allowed" "$(tmux_screen)" "allow +127.0.0.7:$P7"
	assert_match "the status line's policy summary follows" "$(tmux_screen | tail -2)" "net: listed"
	tmux_keys q
	try t8 "curl -sf -o /dev/null http://127.0.0.7:$P7/hello.txt"
	assert_eq "the host added in F2 is reachable" ok "$TRY"

	# --- allow now, from a Denied entry --------------------------------------------------------
	try t9 "touch $o/f"
	assert_eq "control: a write in another directory fails" no "$TRY"
	tmux_wait "$o/f" 10
	tmux_keys M-3 End Enter
	tmux_wait "To allow it: --allow-write=" 5 && ok "Enter on a Denied entry shows the flag" ||
		fail "Enter on a Denied entry shows the flag" "$(tmux_screen)"
	assert_contains "it offers to allow it now" "$(tmux_screen)" "Press a to allow it now"
	tmux_keys a
	tmux_wait "applied: add allow-write" 10 && ok "a: allowed now" ||
		fail "a: allowed now" "$(tmux_screen)"
	tmux_keys q Escape
	try t10 "touch $o/f"
	assert_eq "after allow now, the same command succeeds" ok "$TRY"
	# --- allow now, from a Network entry ---------------------------------------------------------
	try t11 "curl -sf -o /dev/null http://127.0.0.8:$P8/hello.txt"
	assert_eq "control: a host no rule allows is refused" no "$TRY"
	tmux_keys M-2 End Enter
	tmux_wait "To allow it: --allow-net=127.0.0.8:$P8" 5 &&
		ok "Enter on a denied Network entry shows the flag" ||
		fail "Enter on a denied Network entry shows the flag" "$(tmux_screen)"
	tmux_keys a
	tmux_wait "applied: add allow-net 127.0.0.8:$P8" 10 && ok "a: the host is allowed now" ||
		fail "a: the host is allowed now" "$(tmux_screen)"
	tmux_keys q Escape
	try t12 "curl -sf -o /dev/null http://127.0.0.8:$P8/hello.txt"
	assert_eq "after allow now, the same curl succeeds" ok "$TRY"
	tmux_keys F10
	tmux_wait "GB-EXIT=" 10
	tmux_kill
}

for_each_user perms
finish
