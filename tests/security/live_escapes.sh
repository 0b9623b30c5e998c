#!/bin/bash
# Escapes tried against the live features (review of bring-in and live
# secret hosts), each from inside a running session.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../integration/live_lib.sh"

GB_TIMEOUT=60

# reads PATHS... in a loop into $W/seen until $W/stop: one line per round,
# "-" for what cannot be read.
write_reader() {
	cat >"$W/reader.sh" <<'SH'
i=0
while [ ! -e stop ] && [ $i -lt 600 ]; do
	i=$((i + 1))
	line=""
	for p in "$@"; do line="$line $(cat "$p" 2>/dev/null || echo -)"; done
	echo "${line# }" >>seen
	sleep 0.05
done
SH
}

# next_round: waits until the reader has written three more lines.
next_round() {
	local m
	m=$(wc -l <"$W/seen")
	wait_lines "$W/seen" $((m + 3))
}

body() {
	local log=$UD/live.jsonl
	write_reader
	# --- a deny-read path spelt through a symlink on the host ------------
	# At start the plan masks the real path (realpath); a brought-in tree
	# must hide it too, and a grant below it must be refused.
	local far=/tmp/gb-lesc-$CUR_UID-$$
	rm -rf "$far" "$far-alias"
	mkdir_user "$far" "$far/.keys" "$far/pub"
	echo SECRET >"$far/.keys/k"
	echo plain >"$far/pub/f"
	ln -sfn "$far" "$far-alias"
	ln -sfn .keys "$far/keylink"
	chown -h "$CUR_UID:$CUR_UID" "$far/.keys/k" "$far/pub/f" "$far-alias" "$far/keylink"
	rm -f "$W/stop" "$W/seen"
	start_session "$log" --deny-read="$far-alias/.keys" -- sh reader.sh "$far/pub/f" "$far/.keys/k" ||
		{ fail "session starts" "$(cat "$UD/sess.err")"; return; }
	wait_lines "$W/seen" 2
	assert_eq "before: nothing of $far is visible" "- -" "$(tail -1 "$W/seen")"
	gbrun ctl "$SID" allow-read "$far/.keys"
	assert_rc "bringing in a path denied through a symlinked spelling is refused" 1
	assert_contains "  ... naming the deny rule" "$ERR" "is hidden (deny-read $far-alias/.keys)"
	gbrun ctl "$SID" allow-read "$far"
	assert_rc "bringing in its parent works" 0
	next_round
	assert_eq "the deny-read path spelt through a host symlink stays hidden" "plain -" "$(tail -1 "$W/seen")"
	touch "$W/stop"
	end_session

	# --- a deny-read path that is itself a symlink on the host -----------
	rm -f "$W/stop" "$W/seen"
	start_session "$log" --deny-read="$far/keylink" -- sh reader.sh "$far/pub/f" "$far/.keys/k" ||
		{ fail "session starts" "$(cat "$UD/sess.err")"; return; }
	wait_lines "$W/seen" 2
	gbrun ctl "$SID" allow-read "$far"
	assert_rc "bringing in the directory holding a deny-read symlink works" 0
	next_round
	assert_eq "a deny-read symlink hides what it points to in a brought-in tree" "plain -" "$(tail -1 "$W/seen")"
	touch "$W/stop"
	end_session

	# --- a path several levels below anything the sandbox sees ----------
	rm -f "$W/stop" "$W/seen"
	mkdir_user "$far/a" "$far/a/b"
	echo deep >"$far/a/b/f"
	chown "$CUR_UID:$CUR_UID" "$far/a/b/f"
	start_session "$log" -- sh reader.sh "$far/a/b/f" "$far/pub/f" ||
		{ fail "session starts" "$(cat "$UD/sess.err")"; return; }
	wait_lines "$W/seen" 2
	gbrun ctl "$SID" allow-read "$far/a/b/f"
	assert_rc "a file three levels below anything visible is brought in" 0
	gbrun ctl "$SID" allow-read "$far/pub"
	assert_rc "then a directory two levels below" 0
	next_round
	assert_eq "the running command reads both" "deep plain" "$(tail -1 "$W/seen")"
	assert_absent "no stray mountpoint on the host" "$far/a/b/f/f"
	touch "$W/stop"
	end_session
	rm -rf "$far" "$far-alias"
}

for_each_user body
finish
