#!/bin/bash
# Profiles and file rules: profile list/show (resolved JSON), user profiles
# (templates, use-composition, left-to-right merge, shadowing built-ins), the
# default `workspace` (cwd writable only), `--profile default` (no writes),
# -C, --allow-read limiting user data, --allow-write (list and bare), -A,
# deny wins over allow, relative paths against the invoking cwd.
. "$(dirname "$0")/../lib.sh"

# try_write NAME yes|no PATH GBOPTS...: a write to PATH inside must (not) land
# on the host.
try_write() {
	local name=$1 want=$2 path=$3
	shift 3
	rm -f "$path"
	gbrun "$@" -- /bin/sh -c 'echo written-inside > "$1"' sh "$path"
	if [ "$want" = yes ]; then
		if [ "$RC" = 0 ] && [ "$(cat "$path" 2>/dev/null)" = written-inside ]; then ok "$name"
		else fail "$name" "expected the write to $path to succeed and appear on the host" "$(last_run)"; fi
	else
		if [ "$RC" != 0 ] && [ ! -e "$path" ]; then ok "$name"
		else fail "$name" "expected the write to $path to be refused" \
			"host file: $(cat "$path" 2>&1)" "$(last_run)"; fi
	fi
	rm -f "$path"
}

# try_read NAME yes|no PATH GBOPTS...: PATH's content must (not) be readable.
try_read() {
	local name=$1 want=$2 path=$3
	shift 3
	local content
	content=$(cat "$path")
	gbrun "$@" -- /bin/cat "$path"
	if [ "$want" = yes ]; then
		if [ "$RC" = 0 ] && [ "$OUT" = "$content" ]; then ok "$name"
		else fail "$name" "expected to read $path ($content)" "$(last_run)"; fi
	else
		if [[ "$OUT" != *"$content"* ]]; then ok "$name (exit $RC)"
		else fail "$name" "expected $path to be unreadable (masked)" "$(last_run)"; fi
	fi
}

json_get() { # JSON FIELD -> compact JSON of the field, or MISSING
	printf '%s' "$1" | $PY -c 'import json,sys
d=json.load(sys.stdin); f=sys.argv[1]
print(json.dumps(d[f]) if f in d else "MISSING")' "$2" 2>&1
}

body() {
	D=$UD/data
	mkdir_user "$W/sub" "$D" "$D/a" "$D/b" "$UD/other" "$UD/w2" "$H/proj"
	echo "data-a-$$" >"$D/a/f"
	echo "data-b-$$" >"$D/b/f"
	chown "$CUR_UID" "$D/a/f" "$D/b/f"

	# profile list / show
	gbrun profile list
	assert_rc "profile list exits 0" 0
	assert_contains "profile list names workspace" "$OUT" workspace
	assert_contains "profile list names default" "$OUT" default

	gbrun profile show workspace
	assert_rc "profile show workspace exits 0" 0
	local js=$OUT f
	if printf '%s' "$js" | $PY -c 'import json,sys; assert isinstance(json.load(sys.stdin), dict)' 2>/dev/null; then
		ok "profile show prints a JSON object"
	else
		fail "profile show prints a JSON object" "$(last_run)"
	fi
	for f in system_read allow_read deny_read allow_write deny_write allow_env deny_env env; do
		local v
		v=$(json_get "$js" "$f")
		if [ "$v" != MISSING ]; then ok "profile show has field $f"; else fail "profile show has field $f" "$js"; fi
	done
	assert_contains "workspace allow_write is the working directory" "$(json_get "$js" allow_write)" "\"$W\""
	assert_contains "workspace deny_read masks ~/.ssh" "$(json_get "$js" deny_read)" "$H/.ssh"
	assert_contains "workspace system_read includes /usr" "$(json_get "$js" system_read)" '"/usr"'
	GB_CWD=$UD/other
	gbrun profile show workspace
	assert_contains "workspace follows the invoking cwd" "$(json_get "$OUT" allow_write)" "\"$UD/other\""
	GB_CWD=""
	gbrun profile show default
	assert_rc "profile show default exits 0" 0
	local aw
	aw=$(json_get "$OUT" allow_write)
	if [ "$aw" = "[]" ] || [ "$aw" = false ] || [ "$aw" = null ]; then ok "default allows no writes ($aw)"
	else fail "default allows no writes" "allow_write: $aw"; fi

	# user profiles: templates, use, env, merge order
	local P=$UD/xdg/glassbox/profiles
	mkdir -p "$P"
	cat >"$P/mine.json" <<-'J'
	{ "description": "test profile", "use": ["default"],
	  "allow_write": ["$HOME/proj"], "env": { "PROF_VAR": "from-mine", "ORDER": "mine" } }
	J
	cat >"$P/second.json" <<-J
	{ "allow_write": ["$D/a"], "env": { "ORDER": "second" } }
	J
	mkdir -p "$UD/xdg2/glassbox/profiles"
	echo '{ "description": "shadowed", "env": { "SHADOW": "yes" } }' >"$UD/xdg2/glassbox/profiles/default.json"
	chown -R "$CUR_UID:$CUR_UID" "$UD/xdg" "$UD/xdg2"
	GB_ENV=(XDG_CONFIG_HOME="$UD/xdg")
	gbrun profile list
	assert_contains "profile list shows user profiles" "$OUT" mine
	gbrun profile show mine
	assert_rc "profile show mine exits 0" 0
	assert_contains "\$HOME template expands" "$(json_get "$OUT" allow_write)" "\"$H/proj\""
	assert_contains "profile env is resolved" "$(json_get "$OUT" env)" "PROF_VAR"
	try_write "user profile allows \$HOME/proj" yes "$H/proj/x" --profile mine
	try_write "user profile (use: default) does not allow the cwd" no "$W/x" --profile mine
	gbrun --profile mine -- /usr/bin/env
	assert_contains "profile env reaches the command" "$OUT" "PROF_VAR=from-mine"
	gbrun --profile mine,second -- /usr/bin/env
	assert_contains "profiles merge left to right (later env wins)" "$OUT" "ORDER=second"
	try_write "merged profiles: lists add up (first)" yes "$H/proj/x" --profile mine,second
	try_write "merged profiles: lists add up (second)" yes "$D/a/x" --profile mine,second
	gbrun --profile mine --profile second -- /usr/bin/env
	assert_contains "repeated --profile merges too" "$OUT" "ORDER=second"
	gbrun --profile mine --env ORDER=flag -- /usr/bin/env
	assert_contains "flags win over profiles (--env)" "$OUT" "ORDER=flag"
	GB_ENV=(XDG_CONFIG_HOME="$UD/xdg2")
	gbrun profile show default
	assert_contains "a user profile shadows the built-in of the same name" "$(json_get "$OUT" env)" SHADOW
	GB_ENV=()

	# default profile `workspace`: only the working directory is writable
	try_write "workspace: cwd writable" yes "$W/x"
	try_write "workspace: subdir of cwd writable" yes "$W/sub/x"
	try_write "workspace: HOME (not cwd) not writable" no "$H/x"
	try_write "workspace: sibling dir not writable" no "$UD/other/x"
	try_read "workspace: user data outside cwd readable" yes "$D/a/f"
	try_read "workspace: HOME notes readable" yes "$H/notes.txt"
	# --profile default: no writes at all
	try_write "--profile default: cwd not writable" no "$W/x" --profile default
	gbrun --profile default -- /bin/sh -c 'echo t > /tmp/t && cat /tmp/t'
	assert_eq "--profile default: private /tmp still writable" t "$OUT"
	# -C
	GB_CWD=$W
	gbrun -C "$UD/w2" -- /bin/pwd
	assert_eq "-C sets the working directory" "$UD/w2" "$OUT"
	try_write "-C DIR makes DIR the writable workspace" yes "$UD/w2/x" -C "$UD/w2"
	try_write "-C DIR: the invoking cwd is no longer writable" no "$W/x" -C "$UD/w2"
	try_write "-C with a relative DIR" yes "$UD/w2/y" -C ../w2
	# --allow-write
	try_write "--allow-write=P: P writable" yes "$D/a/x" --allow-write="$D/a"
	try_write "--allow-write=P: sibling not writable" no "$D/b/x" --allow-write="$D/a"
	try_write "--allow-write=P,Q: Q writable" yes "$D/b/x" --allow-write="$D/a,$D/b"
	try_write "bare --allow-write: writable everywhere" yes "$UD/other/x" --allow-write
	try_write "-A: writable everywhere" yes "$UD/other/x" -A
	try_write "--allow-all: writable everywhere" yes "$UD/other/x" --allow-all
	try_write "deny wins: --deny-write inside an allowed dir" no "$D/b/x" --allow-write="$D" --deny-write="$D/b"
	try_write "deny wins: the rest of the allowed dir stays writable" yes "$D/a/x" --allow-write="$D" --deny-write="$D/b"
	try_write "deny wins over bare --allow-write" no "$D/b/x" --allow-write --deny-write="$D/b"
	try_write "deny wins over -A" no "$D/b/x" -A --deny-write="$D/b"
	try_write "--deny-write on the cwd itself" no "$W/x" --deny-write="$W"
	# relative paths are relative to the invoking cwd
	GB_CWD=$D
	try_write "relative --allow-write=a" yes "$D/a/x" --profile default --allow-write=a
	try_write "relative --allow-write=a: b not writable" no "$D/b/x" --profile default --allow-write=a
	try_write "relative --deny-write=b" no "$D/b/x" --deny-write=b
	try_read "relative --deny-read=b" no "$D/b/f" --deny-read=b
	GB_CWD=""
	# --allow-read limits user data; system dirs stay readable
	try_read "--allow-read=P: P readable" yes "$D/a/f" --allow-read="$D/a"
	try_read "--allow-read=P: other user data unreadable" no "$D/b/f" --allow-read="$D/a"
	try_read "--allow-read=P: HOME data unreadable" no "$H/notes.txt" --allow-read="$D/a"
	try_read "--allow-read=P: /etc stays readable" yes /etc/passwd --allow-read="$D/a"
	gbrun --allow-read="$D/a" -- /usr/bin/env true
	assert_rc "--allow-read=P: /usr binaries still run" 0
	try_read "--allow-read=P,Q: Q readable" yes "$D/b/f" --allow-read="$D/a,$D/b"
	try_read "deny wins: --deny-read inside --allow-read" no "$D/b/f" --allow-read="$D" --deny-read="$D/b"
	try_read "deny wins: rest of the allowed dir readable" yes "$D/a/f" --allow-read="$D" --deny-read="$D/b"
	try_read "--deny-read of a single file" no "$W/existing.txt" --deny-read="$W/existing.txt"
	try_read "--deny-read of a dir" no "$D/a/f" --deny-read="$D/a"
	gbrun --deny-read="$D/a" -- /bin/ls -A "$D/a"
	assert_not_contains "--deny-read of a dir hides its listing" "$OUT" "f"
	rm -f "$D/a/new"
	gbrun --allow-write="$D" --deny-read="$D/a" -- /bin/sh -c 'echo x > "$1"' sh "$D/a/new"
	assert_absent "--deny-read dir: a write inside it never reaches the host" "$D/a/new"
}

for_each_user body
finish
