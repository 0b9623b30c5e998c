#!/bin/bash
# Live file permissions: `glassbox ctl SID allow-write DIR` lets a command
# that is already running write DIR (a mount helper binds a writable clone
# inside the sandbox), revoke-write takes it away again; revoking while a
# file is open for writing detaches (the open fd keeps writing, new opens
# fail) and while a cwd is inside makes the bind read-only; deny-read masks
# a file live and lifting it shows it again; a symlink planted inside cannot
# redirect a grant; glassbox's own control directory cannot be unmasked; host
# paths the sandbox never saw are brought in (read-only, or writable) with a
# deny-read path beneath them still hidden, refused through a host symlink or
# below a deny-read path.
# Every change is a policy_change event that validates against the schema.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"

GB_TIMEOUT=60

body() {
	local out=$UD/out log=$UD/live.jsonl
	mkdir_user "$out"
	cat >"$W/loop.sh" <<'SH'
i=0
while [ ! -e stop ] && [ $i -lt 600 ]; do
	i=$((i + 1))
	if echo "$i" >"$1/f$i" 2>/dev/null; then echo "W $i"; else echo "N $i"; fi >>res
	sleep 0.05
done
SH
	start_session "$log" -- sh loop.sh "$out" || { fail "session starts" "$(cat "$UD/sess.err")"; return; }
	wait_lines "$W/res" 3
	assert_eq "before: the running command cannot write $out" 0 "$(grep -c '^W' "$W/res")"

	gbrun ctl "$SID" allow-write "$out"
	assert_rc "ctl allow-write exits 0" 0
	assert_eq "ctl allow-write reports the effect" "add allow_write $out: writable" "$OUT"
	if wait_grep "$W/res" '^W' 15; then ok "after allow-write the running command writes $out"
	else fail "after allow-write the running command writes $out" "$(tail -3 "$W/res")"; fi
	local first
	first=$(grep -m1 '^W' "$W/res" | cut -d' ' -f2)
	assert_file_is "the write landed on the host" "$out/f$first" "$first"

	gbrun ctl "$SID" allow-write "$out"
	assert_eq "a second allow-write stacks nothing" "add allow_write $out: already writable" "$OUT"
	gbrun ctl "$SID" allow-write "$H/.ssh"
	assert_rc "allow-write on a hidden path (deny-read) is refused" 1
	assert_contains "it says why" "$ERR" "is hidden (deny-read); lift that first"
	gbrun ctl "$SID" revoke-write "$out"
	assert_rc "ctl revoke-write exits 0" 0
	# The loop may hold a file open at that instant: then the bind is made
	# read-only or detached instead (the cases below pin those down).
	assert_match "ctl revoke-write takes the bind off" "$OUT" \
		"^remove allow_write $out: (unmounted|made read-only|detached)"
	local m
	m=$(wc -l <"$W/res")
	wait_lines "$W/res" $((m + 6))
	# One attempt may have been under way while the reply came back.
	assert_eq "after revoke-write every new write is refused" "" \
		"$(tail -n +$((m + 2)) "$W/res" | grep '^W')"
	touch "$W/stop"
	end_session
	assert_eq "the command ran to its end" 0 "$SESS_RC"
	assert_eq "three policy_change events (grant, repeat, revoke)" 3 "$(grep -c '"kind":"policy_change"' "$log")"
	assert_contains "the grant's event names the mount" "$(grep policy_change "$log" | head -1)" '"mount":"writable bind"'
	assert_schema "live events validate against docs/events.schema.json" "$log"
	note "mount helper time, grant and revoke (ms): $(grep policy_change "$log" | grep -o '"duration_ms":[0-9.]*' | cut -d: -f2 | tr '\n' ' ')"

	# --- revoke while a file is open for writing ------------------------
	rm -f "$W/go" "$W/opened" "$W/revoked" "$W/res2"
	cat >"$W/held.sh" <<'SH'
while [ ! -e go ]; do sleep 0.05; done
exec 3>>"$1/held"
echo first >&3
touch opened
while [ ! -e revoked ]; do sleep 0.05; done
if echo second >&3; then echo fd-ok; else echo fd-refused; fi >>res2
if echo x >"$1/new" 2>/dev/null; then echo new-ok; else echo new-refused; fi >>res2
SH
	start_session "$log" -- sh held.sh "$out" || { fail "session starts" "$(cat "$UD/sess.err")"; return; }
	gbrun ctl "$SID" allow-write "$out"
	assert_rc "allow-write (open-writer case)" 0
	touch "$W/go"
	wait_for_file "$W/opened" 15 || fail "the command opened $out/held" "$(cat "$UD/sess.err")"
	gbrun ctl "$SID" revoke-write "$out"
	assert_rc "revoke-write with a file open for writing exits 0" 0
	assert_contains "it says the bind was detached and open writers keep their fds" "$OUT" \
		"detached (files open for writing keep their descriptors until closed)"
	touch "$W/revoked"
	wait_lines "$W/res2" 2 15
	assert_eq "the open fd keeps writing; a new open is refused" "fd-ok new-refused" \
		"$(tr '\n' ' ' <"$W/res2" | sed 's/ $//')"
	assert_eq "the host file got both writes" "first second" "$(tr '\n' ' ' <"$out/held" | sed 's/ $//')"
	assert_absent "no new file appeared after the revoke" "$out/new"
	end_session
	assert_contains "the event records that open writers keep access" "$(grep policy_change "$log" | tail -1)" \
		'"open_writers_keep_access":true'

	# --- revoke while a cwd is inside (busy, no writer) ------------------
	rm -f "$W/go" "$W/inside" "$W/revoked" "$W/res3"
	cat >"$W/busy.sh" <<'SH'
top=$PWD
while [ ! -e go ]; do sleep 0.05; done
cd "$1" || exit 9
echo a >a.txt && echo wrote-a >>"$top/res3"
touch "$top/inside"
while [ ! -e "$top/revoked" ]; do sleep 0.05; done
if echo b >b.txt 2>/dev/null; then echo b-ok; else echo b-refused; fi >>"$top/res3"
SH
	start_session "$log" -- sh busy.sh "$out" || { fail "session starts" "$(cat "$UD/sess.err")"; return; }
	gbrun ctl "$SID" allow-write "$out"
	touch "$W/go"
	wait_for_file "$W/inside" 15 || fail "the command entered $out" "$(cat "$UD/sess.err")"
	gbrun ctl "$SID" revoke-write "$out"
	assert_rc "revoke-write with a cwd inside exits 0" 0
	assert_contains "it makes the busy bind read-only instead" "$OUT" "made read-only (in use, so left in place)"
	touch "$W/revoked"
	wait_lines "$W/res3" 2 15
	assert_eq "writes from the cwd inside are refused after the revoke" "wrote-a b-refused" \
		"$(tr '\n' ' ' <"$W/res3" | sed 's/ $//')"
	end_session

	# --- deny-read live, lifted again; planted symlinks; protected dir ---
	rm -f "$W/stop" "$W/res4"
	cat >"$W/read.sh" <<'SH'
ln -s "$2" link
i=0
while [ ! -e stop ] && [ $i -lt 600 ]; do
	i=$((i + 1))
	if grep -q plain "$1" 2>/dev/null; then echo V; else echo H; fi >>res4
	sleep 0.05
done
if echo z >"$2/z" 2>/dev/null; then echo link-target-writable; else echo link-target-readonly; fi >>res4
SH
	start_session "$log" -- sh read.sh "$H/notes.txt" "$out" || { fail "session starts" "$(cat "$UD/sess.err")"; return; }
	wait_lines "$W/res4" 2
	assert_eq "before: the file is readable" V "$(tail -1 "$W/res4")"
	gbrun ctl "$SID" deny-read "$H/notes.txt"
	assert_eq "ctl deny-read masks it" "add deny_read $H/notes.txt: hidden" "$OUT"
	m=$(wc -l <"$W/res4")
	wait_lines "$W/res4" $((m + 4))
	assert_eq "after deny-read the running command cannot read it" H "$(tail -1 "$W/res4")"
	gbrun ctl "$SID" remove deny-read "$H/notes.txt"
	assert_eq "remove deny-read lifts the mask" "remove deny_read $H/notes.txt: unmounted" "$OUT"
	m=$(wc -l <"$W/res4")
	wait_lines "$W/res4" $((m + 4))
	assert_eq "after it the file is readable again" V "$(tail -1 "$W/res4")"

	gbrun ctl "$SID" allow-write "$W/link"
	assert_rc "a grant on a symlink planted inside is refused" 1
	assert_contains "it says a symlink is in the way" "$ERR" "a symlink is in the way"
	gbrun ctl "$SID" allow-write "$W/link/."
	assert_rc "a grant through the symlink is refused too" 1
	local cdir=/tmp/glassbox-$CUR_UID
	gbrun ctl "$SID" remove deny-read "$cdir"
	assert_rc "glassbox's control directory cannot be unmasked" 1
	assert_contains "it says why" "$ERR" "stays hidden"
	gbrun ctl "$SID" allow-write /nonexistent/dir
	assert_rc "a path that exists nowhere: exit 1" 1
	assert_contains "it names the path" "$ERR" "/nonexistent/dir cannot be brought in: No such file or directory"
	touch "$W/stop"
	end_session
	assert_eq "the symlink's target stayed read-only" link-target-readonly "$(tail -1 "$W/res4")"

	# --- host paths the sandbox never saw, brought in live ----------------
	# The host's /tmp is never visible (the sandbox has its own): $far
	# there is outside everything the sandbox was started with; its .keys
	# (deny-read) must stay hidden inside the brought-in tree.
	local far=/tmp/gb-far-$CUR_UID-$$ lone=/tmp/gb-lone-$CUR_UID-$$.txt
	rm -rf "$far" "$lone" "$far-link" "$far-w" "$far-plant"
	mkdir_user "$far" "$far/sub" "$far/.keys" "$far-w" "$far-plant" "$far-plant/sub"
	echo plain >"$far/sub/f"
	echo SECRET >"$far/.keys/k"
	echo single >"$lone"
	ln -sfn "$far" "$far-link"
	chown -h "$CUR_UID:$CUR_UID" "$far/sub/f" "$far/.keys/k" "$lone" "$far-link"
	rm -f "$W/stop" "$W/res5"
	cat >"$W/far.sh" <<'SH'
ln -s "$PWD" "$4" # planted where a grant would mount: must not redirect it
i=0
while [ ! -e stop ] && [ $i -lt 600 ]; do
	i=$((i + 1))
	r=$(cat "$1/sub/f" 2>/dev/null || echo -)
	k=$(cat "$1/.keys/k" 2>/dev/null || echo -)
	l=$(cat "$2" 2>/dev/null || echo -)
	if echo w >"$1/sub/w$i" 2>/dev/null; then w=W; else w=N; fi
	if echo x >"$3/x$i" 2>/dev/null; then x=W; else x=N; fi
	echo "$r $k $l $w $x" >>res5
	sleep 0.05
done
SH
	start_session "$log" --deny-read="$far/.keys" -- sh far.sh "$far" "$lone" "$far-w" "$far-plant" ||
		{ fail "session starts" "$(cat "$UD/sess.err")"; return; }
	wait_lines "$W/res5" 2
	assert_eq "before: nothing of $far or lone.txt is visible" "- - - N N" "$(tail -1 "$W/res5")"
	gbrun ctl "$SID" allow-read "$far-link/sub"
	assert_rc "bringing in through a symlink on the host path is refused" 1
	assert_contains "  ... saying so" "$ERR" "a symlink is on the host path"
	gbrun ctl "$SID" allow-read "$far-plant/sub"
	assert_rc "a symlink planted inside where the grant would go: refused" 1
	assert_contains "  ... it is not followed" "$ERR" "cannot reach $far-plant/sub inside the sandbox"
	assert_absent "  ... nothing was mounted through it into the working directory" "$W/sub"
	gbrun ctl "$SID" allow-read "$far/.keys/k"
	assert_rc "bringing in a path below a deny-read path is refused" 1
	assert_contains "  ... naming the deny rule" "$ERR" "deny-read $far/.keys"
	gbrun ctl "$SID" allow-read "$far"
	assert_eq "ctl allow-read of a never-seen directory brings it in" "add allow_read $far: readable" "$OUT"
	gbrun ctl "$SID" allow-read "$lone"
	assert_eq "ctl allow-read of a never-seen file brings it in" "add allow_read $lone: readable" "$OUT"
	local m
	m=$(wc -l <"$W/res5")
	wait_lines "$W/res5" $((m + 3))
	assert_eq "the running command reads both; the deny-read path inside stays hidden; no write" \
		"plain - single N N" "$(tail -1 "$W/res5")"
	gbrun ctl "$SID" allow-write "$far/sub"
	assert_eq "ctl allow-write below it makes that part writable" "add allow_write $far/sub: writable" "$OUT"
	m=$(wc -l <"$W/res5")
	wait_lines "$W/res5" $((m + 3))
	assert_eq "the running command now writes there" "plain - single W N" "$(tail -1 "$W/res5")"
	assert_eq "the write landed on the host" w "$(cat "$(ls -d "$far"/sub/w* | head -1)")"
	# A never-seen directory granted writable at once.
	gbrun ctl "$SID" allow-write "$far-w"
	assert_eq "ctl allow-write of a never-seen directory brings it in writable" "add allow_write $far-w: writable" "$OUT"
	m=$(wc -l <"$W/res5")
	wait_lines "$W/res5" $((m + 3))
	assert_eq "the running command writes there" "plain - single W W" "$(tail -1 "$W/res5")"
	touch "$W/stop"
	end_session
	gbrun ctl "$SID" allow-read "$far"
	assert_rc "after the session ended, ctl finds no session (exit 2)" 2
	assert_contains "the event says the path was brought in" "$(grep "\"value\":\"$far\"" "$log")" \
		'"mount":"host path brought in, read-only"'
	rm -rf "$far" "$lone" "$far-link" "$far-w" "$far-plant"
	assert_schema "all live events validate" "$log"
}

for_each_user body
finish
