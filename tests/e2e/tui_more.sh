#!/bin/bash
# The TUI end to end, second part (tui.sh has the first): NO_COLOR,
# scrollback, bracketed paste, a second shell, the terminal restored after a
# crash, Changes with --snapshot (diff, escaped
# file names, F3 checkpoint, changes since a checkpoint and restoring one or
# the start with a confirmation that lists what changes, one file restored
# from its diff, the quit
# confirmation), F2
# Permissions with a secret, the
# prefix key from the config file, and bad input. Same tmux driving and
# golden files as tui.sh.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

body() {
	mkdir_user "$UD/tmux" "$W/colourdir"
	local s esc
	# --- NO_COLOR: no colour at all, the shell's included ----------------------
	GB_ENV=(SHELL=/bin/sh TMUX_TMPDIR="$UD/tmux" NO_COLOR=1)
	tmux_start 200 50 "$GB_BIN" --env "PS1=$PS"
	tmux_wait "$PS_RE" 10
	tmux_keys 'ls --color=always -d colourdir' Enter
	tmux_wait "^│colourdir" 5
	esc=$(tmux_screen -e)
	if [[ "$esc" =~ $'\e'\[[0-9\;]*(3[0-7]|38\;|9[0-7])[m\;] ]]; then
		fail "NO_COLOR: no foreground colours" "$(printf '%q' "${BASH_REMATCH[0]}")"
	else
		ok "NO_COLOR: no foreground colours"
	fi

	# --- scrollback, paste ------------------------------------------------------
	tmux_keys 'clear; seq 1 120' Enter
	tmux_wait "^│120 " 5
	tmux_keys S-PPage
	tmux_wait "scrolled back" 5 && ok "Shift-PgUp scrolls the shell back" ||
		fail "Shift-PgUp scrolls the shell back" "$(tmux_screen)"
	tmux_keys S-NPage S-NPage
	tmux_wait -v "scrolled back" 5 && ok "Shift-PgDn returns to the live screen" ||
		fail "Shift-PgDn returns to the live screen" "$(tmux_screen)"
	tmux_cmd set-buffer 'echo pasted-$((2+3))'
	tmux_cmd paste-buffer -p -t 0
	tmux_keys Enter
	tmux_wait "^│pasted-5" 5 && ok "a (bracketed) paste reaches the shell" ||
		fail "a (bracketed) paste reaches the shell" "$(tmux_screen)"

	# --- more shells in the same sandbox (prefix c, n) ------------------------------
	tmux_keys 'clear; echo first-$$' Enter
	tmux_keys C-g c
	tmux_wait "Shell \\[2/2\\]" 5
	tmux_wait "$PS_RE" 5
	tmux_keys 'echo second-$$; touch from-second' Enter
	tmux_wait "^│second-" 5
	s=$(tmux_screen)
	assert_contains "prefix c opens a second shell, shown in the pane" "$s" "1 Shell [2/2]"
	assert_not_contains "the second shell has its own screen" "$s" "first-"
	tmux_keys C-g n
	tmux_wait "^│first-" 5 && ok "prefix n shows the first shell again" ||
		fail "prefix n shows the first shell again" "$(tmux_screen)"
	tmux_keys C-g n 'exit 0' Enter
	tmux_wait "^─ 1 Shell ─|┌─ 1 Shell ─" 5
	assert_not_contains "the exited shell leaves the pane" "$(tmux_screen)" "[2/2]"
	[ -e "$W/from-second" ] && ok "the second shell runs with the same working directory" ||
		fail "the second shell runs with the same working directory" "$(ls -la "$W")"

	# --- the terminal is restored after a crash -----------------------------------
	local gpid
	gpid=$(pgrep -P "$(tmux_cmd display-message -p -t 0 '#{pane_pid}')" -x glassbox)
	kill -SEGV "$gpid"
	tmux_wait "GB-EXIT=139" 10 && ok "a crashing glassbox dies of its signal" ||
		fail "a crashing glassbox dies of its signal" "$(tmux_screen)"
	assert_eq "after a crash the terminal is back from the alternate screen" 0 "$(tmux_alt_on)"
	tmux_kill

	# --- changes with --snapshot, a configured prefix key -----------------------
	mkdir_user "$H/.config" "$H/.config/glassbox"
	echo "prefix = C-a" >"$H/.config/glassbox/config"
	start_gb 200 50 --snapshot --secret GBTOKEN=supersecret-value --secret-host GBTOKEN=api.example
	tmux_wait "$PS_RE" 10
	tmux_keys 'printf "one\ntwo\n" > created.txt' Enter
	tmux_wait "A created.txt" 10 && ok "a created file appears in Changes" ||
		fail "a created file appears in Changes" "$(tmux_screen)"
	tmux_keys 'touch "$(printf "bad\033[2Jname\033]2;x\007")"' Enter
	tmux_wait 'A bad' 10
	assert_contains "a file name's escape sequences are shown, not run" "$(tmux_screen)" \
		'A bad\e[2Jname\e]2;x\x07'
	tmux_keys M-4 Enter
	tmux_wait '[+]two' 5 && ok "Enter on a change shows its diff" ||
		fail "Enter on a change shows its diff" "$(tmux_screen)"
	golden "diff-200x50"
	tmux_keys q

	# --- F3 Snapshots: a checkpoint, then restore the start (confirmed) ---------
	tmux_keys F3
	tmux_wait "1 checkpoint" 5 && ok "F3 lists the session's checkpoints" ||
		fail "F3 lists the session's checkpoints" "$(tmux_screen)"
	tmux_keys c
	tmux_wait "checkpoint 1 recorded" 5 && ok "c records a checkpoint" ||
		fail "c records a checkpoint" "$(tmux_screen)"
	tmux_keys n
	tmux_wait "Name of the new checkpoint" 5
	tmux_cmd send-keys -t 0 -l "before after"
	tmux_keys Enter
	tmux_wait "checkpoint 2 recorded" 5 && ok "n records a named checkpoint" ||
		fail "n records a named checkpoint" "$(tmux_screen)"
	assert_match "  ... listed with its name" "$(tmux_screen)" "2 +before after"
	# a file created after checkpoint 2: its changes, then restoring it
	tmux_keys q M-1 'echo x > after.txt' Enter
	tmux_wait "A after.txt" 10
	tmux_keys F3 Down d
	tmux_wait "Changes since checkpoint 2" 5 && ok "d lists what changed since the selected checkpoint" ||
		fail "d lists what changed since the selected checkpoint" "$(tmux_screen)"
	s=$(tmux_screen)
	assert_contains "  ... the file created since" "$s" "A $W/after.txt"
	assert_not_contains "  ... not the one from before it" "$s" "A $W/created.txt"
	tmux_keys q F3 r
	tmux_wait "Press y to restore" 5
	assert_contains "the confirmation for checkpoint 2 shows what changes" "$(tmux_screen)" \
		"A $W/after.txt: removed (created since)"
	tmux_keys y
	tmux_wait "restored checkpoint 2" 10 && ok "y restores checkpoint 2" ||
		fail "y restores checkpoint 2" "$(tmux_screen)"
	assert_absent "  ... the file created after it is gone" "$W/after.txt"
	[ -e "$W/created.txt" ] && ok "  ... the one from before it stays" ||
		fail "  ... the one from before it stays" "$(ls -la "$W")"
	tmux_keys Up Up r
	tmux_wait "Press y to restore" 5
	assert_contains "the confirmation for the start lists the created file" "$(tmux_screen)" \
		"A $W/created.txt: removed (created since)"
	[ -e "$W/created.txt" ] && ok "the file is still there while asking" ||
		fail "the file is still there while asking" "$(ls -la "$W")"
	tmux_keys y
	tmux_wait "restored the start" 10 && ok "y restores the start" ||
		fail "y restores the start" "$(tmux_screen)"
	assert_absent "the created file is gone on the host" "$W/created.txt"
	tmux_keys q
	tmux_wait "no changes yet" 5 && ok "Changes is empty again after the restore" ||
		fail "Changes is empty again after the restore" "$(tmux_screen)"

	# --- one file restored from its diff (u) -------------------------------------------
	tmux_keys M-1 'echo undo-me > undo.txt' Enter
	tmux_wait "A undo.txt" 10
	tmux_keys M-4 End Enter
	tmux_wait "Diff: undo.txt" 5
	tmux_keys u
	tmux_wait "to the start\?" 5 && ok "u in a diff asks before restoring that file" ||
		fail "u in a diff asks before restoring that file" "$(tmux_screen)"
	assert_contains "  ... saying what happens to it" "$(tmux_screen)" "It was created since: it is removed."
	[ -e "$W/undo.txt" ] && ok "  ... the file is still there while asking" ||
		fail "  ... the file is still there while asking" "$(ls -la "$W")"
	tmux_keys y
	tmux_wait "restored one file to the start" 10 && ok "y restores just that file" ||
		fail "y restores just that file" "$(tmux_screen)"
	assert_absent "  ... it is gone on the host" "$W/undo.txt"

	# --- F2 Permissions ------------------------------------------------------------
	tmux_keys F2
	tmux_wait "Permissions" 5
	s=$(tmux_screen)
	assert_contains "F2 says changes apply live" "$s" "Changes apply to the running shell at once"
	assert_match "F2 lists the writable working directory" "$s" "write +$W"
	assert_contains "F2 shows the network rule" "$s" "no rules: nothing allowed (add a host)"
	tmux_keys End
	s=$(tmux_screen)
	assert_match "F2 names the secret and where it may go" "$s" "GBTOKEN +sent only to api.example"
	assert_not_contains "F2 never shows a secret's value" "$s" "supersecret-value"
	# a secret's host, added and removed live
	tmux_keys a
	tmux_cmd send-keys -t 0 -l "GBTOKEN=other.example"
	tmux_keys Enter
	tmux_wait "applied: add secret-hosts GBTOKEN=other.example" 10 &&
		ok "F2 adds a secret's host live" || fail "F2 adds a secret's host live" "$(tmux_screen)"
	tmux_keys End
	assert_match "the secret now goes to both hosts" "$(tmux_screen)" "GBTOKEN +sent only to api.example, other.example"
	tmux_keys x
	tmux_wait "applied: remove secret-hosts GBTOKEN=other.example" 10 &&
		ok "F2 removes the selected secret host" || fail "F2 removes the selected secret host" "$(tmux_screen)"
	tmux_keys End
	assert_match "back to one host" "$(tmux_screen)" "GBTOKEN +sent only to api.example +│"
	assert_not_contains "still no value on screen" "$(tmux_screen)" "supersecret-value"
	tmux_keys q C-a '?'
	tmux_wait "After the prefix key C-a" 5 && ok "the prefix key comes from the config file" ||
		fail "the prefix key comes from the config file" "$(tmux_screen)"
	# --- quitting with changed files asks: stay, keep, or restore ---------------
	tmux_keys q M-1 'echo bye > quit.txt' Enter
	tmux_wait "A quit.txt" 10
	tmux_keys F10
	tmux_wait "changed 1 tracked path" 5 && ok "F10 with a changed file asks first, naming it" ||
		fail "F10 with a changed file asks first, naming it" "$(tmux_screen)"
	assert_contains "  ... the change is listed" "$(tmux_screen)" "A $W/quit.txt"
	tmux_keys x
	sleep 0.5
	assert_not_contains "any other key stays" "$(tmux_screen)" "GB-EXIT="
	tmux_keys F10
	tmux_wait "changed 1 tracked path" 5
	tmux_keys r
	tmux_wait "GB-EXIT=" 10
	assert_contains "r restores, then ends the session (the shell is hung up)" "$(tmux_screen)" "GB-EXIT=129"
	assert_absent "  ... and the changed file is gone" "$W/quit.txt"
	tmux_kill
}

# Bad input before anything starts: one line, exit 2.
bad_input() {
	GB_ENV=(TMUX_TMPDIR="$UD/tmux")
	mkdir_user "$UD/tmux"
	tmux_start 80 24 "$GB_BIN" --tui --theme no-such-theme -- touch "$W/started"
	tmux_wait "GB-EXIT=" 10
	local s
	s=$(tmux_screen)
	assert_contains "an unknown --theme is bad input (exit 2)" "$s" "GB-EXIT=2"
	assert_match "the error names the available themes" "$s" "no-such-theme.*dark"
	assert_absent "nothing started" "$W/started"
	tmux_kill
	gbrun --tui -- touch "$W/started"
	assert_rc "--tui without a terminal is bad input" 2
	assert_contains "it says so" "$ERR" "--tui needs a terminal"
	assert_eq "one line on stderr" 1 "$(printf '%s\n' "$ERR" | wc -l)"
	assert_absent "nothing started" "$W/started"
	# no command and no terminal: headless, as before
	gbrun </dev/null
	assert_rc "no command, stdin not a terminal: headless \$SHELL exits 0" 0
}

for_each_user body
for_each_user bad_input
finish
