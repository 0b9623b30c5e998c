#!/bin/bash
# Start-up with --snapshot over a large tree: while checkpoint 0 records,
# the TUI shows a progress screen (not a blank terminal) that counts up,
# then the normal layout; Ctrl-C during the recording exits 130 with the
# terminal restored and no half-recorded session in the store; the headless
# CLI shows a progress line on stderr only when stderr is a terminal.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/tmux.sh"

TREE_PY=$TROOT/bin/tree.py
mkdir -p "$TROOT/bin"
cp "$(dirname "$0")/../snapshot/tree.py" "$TREE_PY"
chmod 755 "$TREE_PY"
PROGRESS_RE='recording checkpoint 0 of'

# Each run records into a fresh store (GLASSBOX_HOME=$UD/store.N): with the
# objects already stored a recording is too quick to watch.
STORE_N=0
fresh_store() {
	STORE_N=$((STORE_N + 1))
	mkdir_user "$UD/store.$STORE_N"
	GB_ENV=(SHELL=/bin/sh TMUX_TMPDIR="$UD/tmux" GLASSBOX_HOME="$UD/store.$STORE_N")
}

sessions() { # how many sessions store N holds
	find "$UD/store.$1/snapshots/sessions" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# tmux_watch SECONDS: captures the screen every 0.1 s until GB-EXIT or the
# prompt shows up; the distinct progress lines seen go to $SEEN, how long
# (ms) progress was on the screen to $SEEN_MS.
tmux_watch() {
	local i s line first=0 now
	SEEN=""
	SEEN_MS=0
	for ((i = 0; i < $1 * 10; i++)); do
		s=$(tmux_screen)
		line=$(printf '%s\n' "$s" | grep -oE '[0-9][0-9 ]* files, [0-9.]+ [KMGT]?B' | head -1)
		if [ -n "$line" ]; then
			now=$(($(date +%s%N) / 1000000))
			[ "$first" = 0 ] && first=$now
			SEEN_MS=$((now - first))
		fi
		[ -n "$line" ] && ! printf '%s\n' "$SEEN" | grep -qxF "$line" && SEEN+="$line"$'\n'
		printf '%s\n' "$s" | grep -qE "GB-EXIT=|$PS_RE" && return 0
		sleep 0.1
	done
	return 1
}

# wait_progress SECONDS: until a screen shows the progress; that screen
# (one capture: the recording may end right after) in $PROGRESS_SCREEN.
wait_progress() {
	local i
	PROGRESS_SCREEN=""
	for ((i = 0; i < $1 * 20; i++)); do
		PROGRESS_SCREEN=$(tmux_screen)
		printf '%s\n' "$PROGRESS_SCREEN" | grep -qE -- "$PROGRESS_RE" && return 0
		sleep 0.05
	done
	return 1
}

body() {
	mkdir_user "$UD/tmux"
	local s t0=$SECONDS
	run_as "$PY" "$TREE_PY" make "$W/tree" 30 100

	# --- headless (first: the store is empty, so the recording is slowest): a
	# progress line on a terminal's stderr, none on a file's ---------------------
	fresh_store
	# (the time from launch until the command runs is the recording plus the
	# jail's set-up: only when that is well over a second must the line show)
	tmux_start 100 30 sh -c 'date +%s%N >launch.ts; "$0" --snapshot -- sh -c "date +%s%N >run.ts"; echo GB-RC=$?' \
		"$GB_BIN"
	tmux_watch 60
	tmux_wait "GB-RC=" 10
	s=$(tmux_screen)
	assert_contains "headless with --snapshot on a terminal" "$s" "GB-RC=0"
	local ms=0
	[ -s "$W/run.ts" ] && ms=$((($(cat "$W/run.ts") - $(cat "$W/launch.ts")) / 1000000))
	if [ "$ms" -ge 2000 ]; then
		assert_match "headless: a terminal's stderr shows the progress after a second" \
			"$(printf '%s' "$SEEN" | wc -l)" '^[1-9]'
	else
		note "headless start took ${ms} ms: too quick to require the progress line"
	fi
	assert_not_contains "headless: the progress line is cleared at the end" "$s" "$PROGRESS_RE"
	tmux_kill

	# --- the TUI: a progress screen, then the layout -------------------------------
	fresh_store
	tmux_start 100 30 "$GB_BIN" --env "PS1=$PS" --snapshot
	if wait_progress 10; then
		ok "the TUI shows checkpoint 0's progress while it records"
	else
		fail "the TUI shows checkpoint 0's progress while it records" "$(tmux_screen)"
	fi
	assert_contains "the progress screen names the tracked directory" "$PROGRESS_SCREEN" "of $W"
	assert_contains "it says how to stop" "$PROGRESS_SCREEN" "Ctrl-C stops and exits"
	tmux_watch 60
	if [ "$SEEN_MS" -ge 600 ]; then # redrawn 4 times a second
		assert_match "the counts go up while it records" "$(printf '%s' "$SEEN" | wc -l)" \
			'^[2-9]|^[1-9][0-9]'
	else
		note "progress was shown for ${SEEN_MS} ms only: not checking that it counts up"
	fi
	if tmux_wait "$PS_RE" 10; then
		ok "then the normal layout with the shell"
	else
		fail "then the normal layout with the shell" "$(tmux_screen)"
	fi
	s=$(tmux_screen)
	assert_contains "the layout has the shell pane" "$s" "1 Shell"
	assert_contains "the layout has the Changes pane" "$s" "Changes"
	assert_not_contains "the progress screen is gone" "$s" "$PROGRESS_RE"
	tmux_keys 'exit 0' Enter
	tmux_wait "GB-EXIT=" 10
	tmux_kill
	assert_eq "the finished session is in the store" 1 "$(sessions "$STORE_N")"

	# --- Ctrl-C while recording: clean exit, terminal restored, no session -----------
	# (set -m: glassbox is the terminal's foreground job, as under a login
	# shell, so Ctrl-C's SIGINT reaches it and not the shells around it)
	fresh_store
	tmux_start 100 30 sh -c 'set -m; "$0" --tui --snapshot -- touch "$1"; echo GB-RC=$?; stty -a' \
		"$GB_BIN" "$W/started"
	if wait_progress 10; then
		tmux_keys C-c
		tmux_wait "GB-RC=" 10
		s=$(tmux_screen)
		assert_contains "Ctrl-C stops the recording: exit 130" "$s" "GB-RC=130"
		# (the key may land just after the last file: then the session is
		# stopped as it opens, and its recording removed all the same)
		assert_match "with one line saying so" "$s" \
			"glassbox: (snapshot: recording interrupted|interrupted while the session opened)"
		assert_eq "the terminal is back from the alternate screen" 0 "$(tmux_alt_on)"
		assert_match "the terminal echoes again" "$s" '(^| )echo( |$)'
		assert_match "and reads lines again" "$s" '(^| )icanon( |$)'
		assert_eq "no half-recorded session stays in the store" 0 "$(sessions "$STORE_N")"
		assert_absent "nothing started" "$W/started"
	else
		fail "the progress screen shows up before Ctrl-C" "$(tmux_screen)"
	fi
	tmux_kill

	gbrun --snapshot -- true
	assert_rc "headless with stderr to a file" 0
	assert_not_contains "headless: no progress on a stderr that is not a terminal" "$ERR" \
		"$PROGRESS_RE"
	note "took $((SECONDS - t0)) s"
}

for_each_user body
finish
