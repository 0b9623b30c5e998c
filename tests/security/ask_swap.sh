#!/bin/bash
# Allowing a held write once makes the supervisor open the file on the host,
# where nothing stops it: the path it opens must be the one the sandbox
# asked about, whatever the sandbox changes while the question is held.
# $W/a/ro is read-only inside (writable at the start, taken back live), its
# parent $W/a writable. A process inside writes $W/a/ro/x and is held; while
# it waits the sandbox renames $W/a away and puts a symlink to $R (a host
# directory with its own ro/x) in its place, then the question is answered
# once. A host open that followed the link would write $R/ro/x; the answer
# must be refused instead and nothing written anywhere. Positive control:
# the same question without the swap, answered once, writes $W/a/ro/x.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../integration/live_lib.sh"

# run_swap SWAP(0|1) LOG: the scenario; sets OUT/ERR/RC of the answer.
run_swap() {
	local swap=$1 log=$2
	rm -rf "$W/a" "$W/old" "$W"/go* "$W/swapped" "$W/res"
	mkdir_user "$W/a" "$W/a/ro"
	cat >"$W/swap.sh" <<SH
while [ ! -e go0 ]; do sleep 0.05; done
( if echo PWNED >a/ro/x; then echo "write ok"; else echo "write refused"; fi >res ) &
while [ ! -e go ]; do sleep 0.05; done
[ $swap = 1 ] && mv a old && ln -s "$R" a
touch swapped
wait
SH
	start_session "$log" --allow-write="$W" --allow-write="$W/a/ro" --ask=write --ask-timeout=20 \
		-- sh swap.sh || { fail "session starts" "$(cat "$UD/sess.err")"; return 1; }
	gbrun ctl "$SID" revoke-write "$W/a/ro"
	assert_rc "$W/a/ro is taken back live (read-only inside)" 0
	run_as touch "$W/go0"
	wait_grep "$log" '"id":"write-1","category":"write","state":"pending"' 10 ||
		{ fail "the write is held" "$(tail -3 "$log")"; return 1; }
	run_as touch "$W/go"
	wait_for_file "$W/swapped" 10 || { fail "the sandbox swapped the path" ""; return 1; }
	gbrun ctl "$SID" answer write-1 once
	local rc=$RC err=$ERR
	end_session
	wait_lines "$W/res" 1 5
	RC=$rc
	ERR=$err
}

body() {
	local R=$UD/protected log=$UD/swap.jsonl
	mkdir_user "$R" "$R/ro"
	echo ORIGINAL >"$R/ro/x"
	chown "$CUR_UID" "$R/ro/x"
	GB_TIMEOUT=60

	# positive control: no swap, once writes through the verified open
	run_swap 0 "$log" || return
	assert_rc "control: once is accepted" 0
	assert_eq "control: the held write succeeds" "write ok" "$(cat "$W/res" 2>/dev/null)"
	assert_file_is "control: it reached the asked-about file" "$W/a/ro/x" PWNED

	run_swap 1 "$log" || return
	assert_rc "swapped: once is refused" 1
	assert_contains "swapped: it says why" "$ERR" "write-1 denied"
	assert_eq "swapped: the held write fails" "write refused" "$(cat "$W/res" 2>/dev/null)"
	if [ -L "$W/a" ]; then ok "the sandbox really swapped $W/a for a symlink"
	else fail "the sandbox really swapped $W/a for a symlink" "$(ls -la "$W")"; fi
	assert_file_is "the file behind the symlink is untouched" "$R/ro/x" ORIGINAL
	assert_absent "nothing was written where the path used to lead" "$W/old/ro/x"
	assert_contains "the question closed as denied" "$(grep '"id":"write-1","state":"answered"' "$log")" '"answer":"deny"'
}

for_each_user body
finish
