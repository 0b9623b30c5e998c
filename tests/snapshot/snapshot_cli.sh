#!/usr/bin/env bash
# Snapshots end to end with the real binary, as root and as uid 65534:
# --restore rolls every kind of change back (full listings with content
# hashes compared), --snapshot + `snapshot list/diff/restore`, excludes and
# .gitignore, --snapshot-path, the store hidden inside the sandbox, bad ids,
# a symlink planted to escape during restore, and a corrupted store.
source "$(dirname "$0")/../lib.sh"
TREE_PY=$TROOT/bin/tree.py
cp "$(dirname "$0")/tree.py" "$TREE_PY"
chmod 755 "$TREE_PY"

listing() { "$PY" "$TREE_PY" list "$1"; }

make_work() {
	chmod -R u+rwX "$W" && find "$W" -mindepth 1 -delete
	run_as sh -c 'mkdir -p src/deep empty ro node_modules/p &&
		echo one > src/a.c && echo two > src/deep/b.c && printf "x\0y" > bin &&
		ln -s src/a.c link && echo n > node_modules/p/i.js &&
		printf "*.log\n!keep.log\n" > .gitignore && echo l > a.log && echo k > keep.log &&
		echo tmp > x.tmp && echo r > ro/f && chmod 0555 ro && chmod 0640 src/a.c'
}

# The command used for --restore / --snapshot: every kind of change.
CHANGES='chmod u+w ro && echo changed > src/a.c && rm -r src/deep && mkdir newdir &&
	echo n > newdir/x && rm link && mkdir link && echo in > link/f && rm bin &&
	ln -s /etc bin && rmdir empty && echo file > empty && chmod 0600 src/a.c &&
	echo n2 > node_modules/p/i.js && echo l2 > a.log && echo k2 > keep.log &&
	echo tmp2 > x.tmp && echo new > ro/g && chmod 0555 ro && echo "*.c" >> .gitignore &&
	cp /bin/true suid && chmod 4755 suid; exit 7'

store() { echo "$H/.local/state/glassbox/snapshots"; }

t_restore_all() {
	make_work
	local before after
	before=$(listing "$W")
	gbrun --restore --snapshot-exclude='*.tmp' -- sh -c "$CHANGES"
	assert_rc "--restore keeps the command's exit status" 7
	assert_match "summary line" "$ERR" "snapshot: [0-9]+ created, [0-9]+ modified, [0-9]+ deleted"
	assert_contains "summary names a changed path" "$ERR" "M src/a.c"
	assert_contains "rolled back" "$ERR" "snapshot: rolled back"
	assert_not_contains "excluded node_modules not listed" "$ERR" "node_modules"
	# excluded and ignored paths were not touched: put them back by hand
	assert_file_is "node_modules untouched" "$W/node_modules/p/i.js" "n2"
	assert_file_is ".gitignore'd a.log untouched" "$W/a.log" "l2"
	assert_file_is "--snapshot-exclude'd x.tmp untouched" "$W/x.tmp" "tmp2"
	assert_file_is "negated !keep.log restored" "$W/keep.log" "k"
	run_as sh -c 'echo n > node_modules/p/i.js && echo l > a.log && echo tmp > x.tmp'
	after=$(listing "$W")
	if [ "$before" == "$after" ]; then ok "tree restored exactly (listing + hashes)"; else
		fail "tree restored exactly" "$(diff <(echo "$before") <(echo "$after"))" "$(last_run)"; fi
}

t_snapshot_then_restore() {
	make_work
	local before after id
	before=$(listing "$W")
	gbrun --snapshot -- sh -c 'echo changed > src/a.c && echo new > added.txt && rm src/deep/b.c'
	assert_rc "--snapshot exit status" 0
	assert_contains "--snapshot summary" "$ERR" "snapshot: 1 created, 1 modified, 1 deleted"
	id=$(printf '%s' "$ERR" | sed -n 's/.*(session \([0-9a-f]*\)).*/\1/p' | head -1)
	assert_match "session id printed" "$id" '^[0-9a-f]{12}$'
	assert_file_is "--snapshot leaves changes" "$W/added.txt" "new"
	gbrun snapshot list
	assert_contains "list shows the session" "$OUT" "$id"
	assert_contains "list shows counts" "$OUT" "+1 ~1 -1"
	gbrun snapshot diff "$id"
	assert_eq "diff lists changes" "A added.txt
D src/deep/b.c
M src/a.c" "$(printf '%s\n' "$OUT" | sort)"
	gbrun snapshot diff "$id" -p src/a.c
	assert_contains "diff -p shows a unified diff" "$OUT" "--- a/src/a.c
+++ b/src/a.c
@@ -1,1 +1,1 @@
-one
+changed"
	gbrun snapshot diff "$id" -p bin
	assert_eq "diff of an unchanged path is empty" "" "$OUT"
	run_as sh -c 'printf "\0\1" > bin2'
	gbrun snapshot restore "$id" added.txt
	assert_rc "restore of one path" 0
	assert_absent "added.txt removed" "$W/added.txt"
	assert_file_is "other paths untouched by a subset restore" "$W/src/a.c" "changed"
	gbrun snapshot restore "$id"
	assert_rc "restore" 0
	run_as rm -f bin2
	after=$(listing "$W")
	assert_eq "tree back to the start" "$before" "$after"
	gbrun snapshot diff "$id" --now
	assert_eq "nothing differs from the start now" "" "$OUT"
	gbrun snapshot restore "$id" --checkpoint 1
	assert_file_is "restore to the end checkpoint" "$W/added.txt" "new"
	gbrun snapshot restore "$id" --checkpoint 9
	assert_rc "unknown checkpoint is bad input" 2
}

t_paths_and_store() {
	make_work
	run_as mkdir -p "$W/tracked" "$W/other"
	gbrun --snapshot --snapshot-path=tracked -- sh -c 'echo a > tracked/a; echo b > other/b'
	assert_contains "--snapshot-path: only that path" "$ERR" "snapshot: 1 created, 0 modified, 0 deleted"
	gbrun --snapshot --snapshot-path=nope -- true
	assert_rc "missing --snapshot-path is bad input" 2
	assert_match "one line" "$ERR" '^glassbox: --snapshot-path: .*nope: No such file or directory$'
	gbrun -- sh -c "ls -A '$(store)' | wc -l"
	assert_eq "store invisible inside the sandbox" "0" "$OUT"
	gbrun --allow-write="$H" -- sh -c "echo x > '$(store)/planted' 2>/dev/null || echo refused"
	assert_eq "store not writable inside even when HOME is" "refused" "$OUT"
	assert_absent "nothing planted in the store" "$(store)/planted"
	gbrun snapshot diff ../etc
	assert_rc "id with .. is bad input" 2
	assert_match "one clear line" "$ERR" "^glassbox: invalid snapshot id '../etc'[^"$'\n'"]*$"
	gbrun snapshot restore a/b
	assert_rc "id with / is bad input" 2
	gbrun snapshot restore deadbeef0000
	assert_rc "unknown session is bad input" 2
	assert_contains "unknown session message" "$ERR" "no snapshot session deadbeef0000"
}

t_symlink_escape() {
	make_work
	local outside=$UD/outside id
	mkdir_user "$outside" "$outside/deep"
	run_as sh -c "echo precious > '$outside/deep/b.c'"
	gbrun --snapshot -- sh -c "rm -r src/deep && ln -s '$outside' src/deep && rm src/a.c && ln -s '$outside/deep/b.c' src/a.c"
	id=$(printf '%s' "$ERR" | sed -n 's/.*(session \([0-9a-f]*\)).*/\1/p' | head -1)
	gbrun snapshot restore "$id"
	assert_rc "restore over planted symlinks" 0
	assert_file_is "file outside the tree untouched" "$outside/deep/b.c" "precious"
	if [ -d "$W/src/deep" ] && [ ! -L "$W/src/deep" ]; then ok "planted dir symlink replaced by the directory"; else
		fail "planted dir symlink replaced" "$(ls -la "$W/src")"; fi
	assert_file_is "content restored in the tree" "$W/src/deep/b.c" "two"
	assert_file_is "file symlink replaced by the file" "$W/src/a.c" "one"
	if [ ! -L "$W/src/a.c" ]; then ok "no symlink left"; else fail "no symlink left" "$(ls -la "$W/src")"; fi
}

t_corruption() {
	make_work
	local id before
	gbrun --snapshot -- sh -c 'echo changed > src/a.c'
	id=$(printf '%s' "$ERR" | sed -n 's/.*(session \([0-9a-f]*\)).*/\1/p' | head -1)
	# flip a byte in every stored object
	find "$(store)/objects" -type f -name '[0-9a-f]*' | while read -r f; do
		printf '\xff' | dd of="$f" bs=1 seek=20 conv=notrunc status=none
	done
	before=$(listing "$W")
	gbrun snapshot restore "$id"
	assert_rc "corrupted store: restore fails" 1
	assert_match "corruption: one clear line" "$ERR" '^glassbox: snapshot store is corrupted: object [0-9a-f]{16} [^'$'\n'']*$'
	assert_eq "nothing touched after corruption" "$before" "$(listing "$W")"
	gbrun snapshot diff "$id" -p src/a.c
	assert_contains "diff -p notices corruption too" "$ERR" "snapshot store is corrupted"
	gbrun snapshot clean
	assert_rc "clean" 0
	gbrun snapshot list
	assert_not_contains "clean removed the session" "$OUT" "$id"
}

run_all() {
	t_restore_all
	t_snapshot_then_restore
	t_paths_and_store
	t_symlink_escape
	t_corruption
}

for_each_user run_all
finish
