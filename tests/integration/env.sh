#!/bin/bash
# Environment: clean by default (PATH HOME USER SHELL TERM LANG), --allow-env
# (bare / list / NAME* prefix), --deny-env (wins), --env K=V; nothing of the
# host's environment leaks through /proc/1/environ; --no-sandbox keeps the
# rules.
. "$(dirname "$0")/../lib.sh"

ENVCMD=/usr/bin/env

# env_names: sorted variable names of OUT
env_names() { printf '%s\n' "$OUT" | sed -n 's/=.*//p' | sort | tr '\n' ' '; }

body() {
	GB_ENV=(SECRET_MARKER=gbsecret-$$ FOO=foo-value BAR=bar-value BAZ=baz-value
		GBT_ONE=1 GBT_TWO=2 LC_ALL=C LD_LIBRARY_PATH=/nonexistent-gbtest)

	gbrun -- $ENVCMD
	assert_rc "env runs" 0
	local names
	names=$(env_names)
	# plus the proxy variables glassbox sets (every connection goes through it)
	# and the session's id (for glassbox ctl)
	local allowed=" HOME LANG PATH SHELL TERM USER HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy GLASSBOX_SESSION "
	local n extra=""
	for n in $names; do
		[[ "$allowed" == *" $n "* ]] || extra="$extra $n"
	done
	if [ -z "$extra" ]; then ok "default environment has only the essentials ($names)"
	else fail "default environment has only PATH HOME USER SHELL TERM LANG" "extra variables:$extra" "$(last_run)"; fi
	for n in PATH HOME USER SHELL TERM LANG; do
		assert_contains "essential $n inherited" "$OUT" "$n="
	done
	assert_contains "HOME value inherited" "$OUT" "HOME=$H"
	assert_not_contains "SECRET_MARKER not inherited" "$OUT" "gbsecret-$$"
	assert_not_contains "LD_LIBRARY_PATH not inherited" "$OUT" "LD_LIBRARY_PATH"

	# Nothing of the host environment in any /proc/*/environ inside.
	gbrun -- /bin/sh -c 'cat /proc/1/environ | tr "\0" "\n"; echo ---; for f in /proc/[0-9]*/environ; do tr "\0" "\n" <"$f"; done 2>/dev/null'
	assert_not_contains "/proc/1/environ does not show the host's SECRET_MARKER" "$OUT" "gbsecret-$$"
	assert_not_contains "/proc/1/environ does not show the host's FOO" "$OUT" "foo-value"
	gbrun -- /bin/sh -c 'test -r /proc/1/environ && echo readable; tr "\0" "\n" </proc/1/environ | wc -c'
	note "/proc/1/environ inside: $OUT"

	gbrun --allow-env -- $ENVCMD
	assert_contains "bare --allow-env inherits FOO" "$OUT" "FOO=foo-value"
	assert_contains "bare --allow-env inherits SECRET_MARKER" "$OUT" "SECRET_MARKER=gbsecret-$$"

	gbrun --allow-env=FOO,BAR -- $ENVCMD
	assert_contains "--allow-env=FOO,BAR inherits FOO" "$OUT" "FOO=foo-value"
	assert_contains "--allow-env=FOO,BAR inherits BAR" "$OUT" "BAR=bar-value"
	assert_not_contains "--allow-env=FOO,BAR does not inherit BAZ" "$OUT" "BAZ="
	assert_not_contains "--allow-env=FOO,BAR does not inherit SECRET_MARKER" "$OUT" "gbsecret"

	gbrun --allow-env=FOO --allow-env=BAZ -- $ENVCMD
	assert_contains "repeated --allow-env adds up (FOO)" "$OUT" "FOO=foo-value"
	assert_contains "repeated --allow-env adds up (BAZ)" "$OUT" "BAZ=baz-value"

	gbrun '--allow-env=GBT_*' -- $ENVCMD
	assert_contains "--allow-env=GBT_* prefix (GBT_ONE)" "$OUT" "GBT_ONE=1"
	assert_contains "--allow-env=GBT_* prefix (GBT_TWO)" "$OUT" "GBT_TWO=2"
	assert_not_contains "--allow-env=GBT_* does not inherit FOO" "$OUT" "FOO="

	gbrun --allow-env --deny-env=FOO,SECRET_MARKER -- $ENVCMD
	assert_not_contains "--deny-env wins over bare --allow-env (FOO)" "$OUT" "FOO="
	assert_not_contains "--deny-env wins over bare --allow-env (SECRET_MARKER)" "$OUT" "SECRET_MARKER"
	assert_contains "--deny-env leaves the others (BAR)" "$OUT" "BAR=bar-value"

	gbrun --allow-env=FOO --deny-env=FOO -- $ENVCMD
	assert_not_contains "--deny-env wins over --allow-env=FOO" "$OUT" "FOO="
	gbrun --deny-env=FOO --allow-env=FOO -- $ENVCMD
	assert_not_contains "deny wins regardless of order" "$OUT" "FOO="

	gbrun --deny-env=HOME -- $ENVCMD
	assert_not_contains "--deny-env=HOME drops an essential" "$OUT" "HOME="

	gbrun --env K1=v1 --env 'K2=with space=and equals' -- $ENVCMD
	assert_contains "--env K1=v1 sets" "$OUT" "K1=v1"
	assert_contains "--env value keeps spaces and '='" "$OUT" "K2=with space=and equals"

	gbrun --env FOO=overridden --allow-env=FOO -- $ENVCMD
	assert_contains "--env wins over the inherited value" "$OUT" "FOO=overridden"
	assert_not_contains "--env: inherited value gone" "$OUT" "FOO=foo-value"

	gbrun --env PATH=/usr/bin:/bin -- $ENVCMD
	assert_contains "--env can set PATH" "$OUT" "PATH=/usr/bin:/bin"

	gbrun --env EMPTYV= -- $ENVCMD
	assert_contains "--env K= sets an empty value" "$OUT" "EMPTYV="

	# --no-sandbox: no jail, but the environment rules still apply.
	gbrun --no-sandbox -- $ENVCMD
	assert_rc "--no-sandbox env runs" 0
	assert_not_contains "--no-sandbox: SECRET_MARKER still dropped" "$OUT" "gbsecret-$$"
	assert_not_contains "--no-sandbox: FOO still dropped" "$OUT" "FOO="
	gbrun --no-sandbox --allow-env=FOO --env K1=v1 -- $ENVCMD
	assert_contains "--no-sandbox: --allow-env applies" "$OUT" "FOO=foo-value"
	assert_contains "--no-sandbox: --env applies" "$OUT" "K1=v1"
}

for_each_user body
finish
