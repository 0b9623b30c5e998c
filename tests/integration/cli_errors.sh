#!/bin/bash
# Bad input: exit 2, exactly one line on stderr, and the command never runs
# (it would create a marker file in the writable working directory).
# Also: -h / -V, and option parsing around `--`.
. "$(dirname "$0")/../lib.sh"

# bad_input NAME ARGS...: glassbox ARGS -- touch MARKER must exit 2, print one
# stderr line, and leave no marker.
bad_input() {
	local name=$1
	shift
	local marker=$W/marker
	rm -f "$marker"
	gbrun "$@" -- /usr/bin/touch "$marker"
	local lines
	lines=$(printf '%s\n' "$ERR" | grep -c .)
	if [ "$RC" = 2 ] && [ "$lines" = 1 ] && [ ! -e "$marker" ]; then
		ok "$name: exit 2, one line: $ERR"
	else
		fail "$name" "expected exit 2, one stderr line, command not run" \
			"marker created: $([ -e "$marker" ] && echo yes || echo no), stderr lines: $lines" "$(last_run)"
	fi
}

user_profiles() {
	P=$UD/xdg/glassbox/profiles
	mkdir -p "$P"
	echo '{ "allow_read": [ "/usr" ' >"$P/badjson.json"
	echo '{ "use": "cyc-b" }' >"$P/cyc-a.json"
	echo '{ "use": ["cyc-a"] }' >"$P/cyc-b.json"
	echo '{ "use": "selfloop" }' >"$P/selfloop.json"
	echo '{ "allow_reed": ["/usr"] }' >"$P/unknownfield.json"
	echo '{ "use": "no-such-profile-gbtest" }' >"$P/usesmissing.json"
	echo '{ "allow_write": "notalist" }' >"$P/badtype.json"
	echo '[1, 2]' >"$P/notobject.json"
	chown -R "$CUR_UID:$CUR_UID" "$UD/xdg"
	GB_ENV=(XDG_CONFIG_HOME="$UD/xdg")
}

body() {
	user_profiles
	# Sanity: with good input the marker *is* created (so its absence means something).
	rm -f "$W/marker"
	gbrun -- /usr/bin/touch "$W/marker"
	if [ "$RC" = 0 ] && [ -e "$W/marker" ]; then ok "control: good input runs the command (marker created)"
	else fail "control: good input runs the command" "$(last_run)"; fi

	bad_input "unknown flag" --bogus-flag
	bad_input "unknown short flag" -Z
	bad_input "a network rule that is a URL is bad input" --allow-net=https://example.com/
	bad_input "a network rule with a bad port is bad input" --deny-net=example.com:0
	bad_input "malformed list --allow-read=a,,b" --allow-read=/usr,,/etc
	bad_input "malformed list: trailing comma" --deny-read=/usr,
	bad_input "malformed list: leading comma" --allow-write=,/usr
	bad_input "malformed list --allow-env=A,,B" --allow-env=A,,B
	bad_input "malformed list --deny-env=," --deny-env=,
	bad_input "malformed profile list" --profile workspace,,default
	bad_input "unknown profile" --profile no-such-profile-gbtest
	bad_input "profile that is not valid JSON" --profile badjson
	bad_input "profile that is not an object" --profile notobject
	bad_input "cyclic profiles (a uses b uses a)" --profile cyc-a
	bad_input "profile using itself" --profile selfloop
	bad_input "profile using a missing profile" --profile usesmissing
	bad_input "user profile with an unknown field" --profile unknownfield
	bad_input "profile field of the wrong type" --profile badtype
	bad_input "allowed write path that does not exist" --allow-write="$UD/does-not-exist"
	bad_input "allowed read path that does not exist" --allow-read="$UD/does-not-exist"
	bad_input "relative allowed path that does not exist" --allow-write=does-not-exist-rel
	bad_input "-C directory that does not exist" -C "$UD/does-not-exist"
	bad_input "-C on a file" -C "$W/existing.txt"
	local f
	for f in --profile --log -C --env --allow-read --deny-read --deny-write; do
		gbrun "$f"
		if [ "$RC" = 2 ] && [ "$(printf '%s\n' "$ERR" | grep -c .)" = 1 ]; then
			ok "$f without a value: exit 2, one line: $ERR"
		else
			fail "$f without a value" "expected exit 2 and one stderr line" "$(last_run)"
		fi
	done

	# -h: exit 0, mentions every option.
	gbrun -h
	assert_rc "-h exits 0" 0
	local help="$OUT$ERR" o
	for o in --allow-read --deny-read --allow-write --deny-write --env --allow-env --deny-env \
		--profile --allow-all -A --no-sandbox --strict-sandbox -C --debug --log -V -h; do
		assert_contains "-h mentions $o" "$help" "$o"
	done
	gbrun --help
	assert_rc "--help exits 0" 0

	# -V: exit 0 and a version number.
	gbrun -V
	assert_rc "-V exits 0" 0
	assert_match "-V prints a version" "$OUT" '[0-9]+\.[0-9]+'

	# Everything after -- belongs to the command.
	gbrun -- /bin/echo --allow-read=x --bogus
	assert_eq "arguments after -- go to the command" "--allow-read=x --bogus" "$OUT"
	# The first non-option starts the command.
	gbrun /bin/echo --bogus -x
	assert_eq "first non-option starts the command" "--bogus -x" "$OUT"
	assert_rc "command after options exits 0" 0

	# `profile` subcommands take no command.
	gbrun profile show no-such-profile-gbtest
	assert_rc "profile show of an unknown profile exits 2" 2
}

for_each_user body
finish
