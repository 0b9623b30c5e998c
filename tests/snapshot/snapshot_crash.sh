#!/usr/bin/env bash
# Crash safety of `glassbox snapshot restore`: over a tree of 2,000 files,
# changes of every kind are made, a restore is started and SIGKILLed after an
# increasing delay (from "at once" to "nearly done"); at that instant every
# path must be either as it was or as restored (journaled temps aside), and
# re-running the restore must complete the job exactly.
source "$(dirname "$0")/../lib.sh"
TREE_PY=$TROOT/bin/tree.py
cp "$(dirname "$0")/tree.py" "$TREE_PY"
chmod 755 "$TREE_PY"
listing() { "$PY" "$TREE_PY" list "$1"; }

# Starts `glassbox snapshot restore ID` as the test user in the background
# with the glassbox process itself as $! (run_as would add a subshell).
spawn_restore() {
	if [ "$CUR_UID" = 0 ]; then
		(cd "$W" && exec env -i PATH="$HOSTPATH" HOME="$H" "$GB_BIN" snapshot restore "$1") \
			>/dev/null 2>&1 &
	else
		(cd "$W" && exec setpriv --reuid="$CUR_UID" --regid="$CUR_UID" --clear-groups \
			env -i PATH="$HOSTPATH" HOME="$H" "$GB_BIN" snapshot restore "$1") >/dev/null 2>&1 &
	fi
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

crash_loop() {
	run_as "$PY" "$TREE_PY" make "$W/t" 20 100
	local start id t0 t1 full kills=12 k delay
	listing "$W/t" >"$UD/start.list"
	gbrun --snapshot --snapshot-path=t -- true
	id=$(printf '%s' "$ERR" | sed -n 's/.*(session \([0-9a-f]*\)).*/\1/p' | head -1)
	assert_match "session recorded" "$id" '^[0-9a-f]{12}$'

	# one uninterrupted restore, to know how long one takes
	run_as "$PY" "$TREE_PY" mutate "$W/t" 1 800
	t0=$(now_ms)
	gbrun snapshot restore "$id"
	t1=$(now_ms)
	full=$((t1 - t0))
	assert_rc "uninterrupted restore" 0
	listing "$W/t" >"$UD/now.list"
	assert_eq "uninterrupted restore is exact" "" "$(diff "$UD/start.list" "$UD/now.list")"
	note "a full restore of ~960 changes takes ${full} ms"

	local interrupted=0
	for ((k = 0; k < kills; k++)); do
		run_as "$PY" "$TREE_PY" mutate "$W/t" $((k + 2)) 800
		listing "$W/t" >"$UD/old.list"
		delay=$((full * k / kills))
		spawn_restore "$id"
		local pid=$!
		sleep "$(printf '0.%03d' "$delay")" 2>/dev/null || sleep 0
		if kill -KILL "$pid" 2>/dev/null; then interrupted=$((interrupted + 1)); fi
		wait "$pid" 2>/dev/null
		listing "$W/t" >"$UD/now.list"
		local why
		if why=$("$PY" "$TREE_PY" between "$UD/old.list" "$UD/start.list" "$UD/now.list"); then
			ok "killed after ${delay} ms: every path old or restored"
		else
			fail "killed after ${delay} ms: every path old or restored" "$why"
		fi
		gbrun snapshot restore "$id"
		assert_rc "re-run after the kill at ${delay} ms" 0
		listing "$W/t" >"$UD/now.list"
		assert_eq "re-run completes the restore exactly (kill at ${delay} ms)" "" \
			"$(diff "$UD/start.list" "$UD/now.list" | head -20)"
	done
	if [ "$interrupted" -ge $((kills / 2)) ]; then ok "$interrupted of $kills restores were killed mid-way"; else
		fail "most restores should have been killed mid-way" "only $interrupted of $kills"; fi
	gbrun snapshot list
	assert_not_contains "no restore left pending" "$OUT" "(restore!)"
}

for_each_user crash_loop
finish
