#!/usr/bin/env bash
# Size: a 50 MB file and a 20,000-file tree go through --restore (record,
# change inside the sandbox, summary, roll back) and come back exactly.
source "$(dirname "$0")/../lib.sh"
TREE_PY=$TROOT/bin/tree.py
cp "$(dirname "$0")/tree.py" "$TREE_PY"
chmod 755 "$TREE_PY"
listing() { "$PY" "$TREE_PY" list "$1"; }

large() {
	run_as sh -c 'mkdir big && head -c 25000000 /dev/urandom > big/blob &&
		yes "a compressible line of text" | head -c 25000000 >> big/blob'
	run_as "$PY" "$TREE_PY" make "$W/many" 200 100
	local before
	before=$(listing "$W")
	gbrun --restore -- sh -c 'echo tail >> big/blob && rm -r many/d007 &&
		for i in 1 2 3 4 5; do echo x >> many/d01$i/f001.txt; done && mkdir many/new &&
		echo n > many/new/f'
	assert_rc "--restore over 50 MB + 20k files" 0
	assert_contains "summary" "$ERR" "snapshot: 2 created, 6 modified, 101 deleted"
	assert_eq "restored exactly" "$before" "$(listing "$W")"

	gbrun --snapshot -- sh -c 'echo more >> big/blob'
	local id
	id=$(printf '%s' "$ERR" | sed -n 's/.*(session \([0-9a-f]*\)).*/\1/p' | head -1)
	gbrun snapshot diff "$id" -p big/blob
	assert_contains "a large file differs" "$OUT" "Files a/big/blob and b/big/blob differ (too large to show)"
	gbrun snapshot restore "$id"
	assert_eq "50 MB file restored" "$before" "$(listing "$W")"
	local objs
	objs=$(du -sm "$H/.local/state/glassbox/snapshots/objects" | cut -f1)
	if [ "$objs" -lt 300 ]; then ok "store is deduplicated and compressed (${objs} MB)"; else
		fail "store too large" "${objs} MB"; fi
}

for_each_user large
finish
