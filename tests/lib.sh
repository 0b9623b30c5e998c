# tests/lib.sh: shared helpers for the integration and security tests.
# Sourced by each tests/{integration,security}/*.sh script; ctest passes
#   GLASSBOX, GLASSBOX_INIT, PROBE  paths of the built binaries
#   DRIVER                          the session driver (optional)
#   GB_USERS                        users to run as ("root", "65534", or both)
#
# The binaries are copied into a fresh root under /var/tmp (the build tree
# may sit under a 0700 /root, and the sandbox gives the command a private
# /tmp, so host /tmp is not visible inside). Every jail test runs once per
# user in GB_USERS through for_each_user; each user gets its own work dir ($W)
# and fake HOME ($H) with planted credentials, owned by that user.
#
# Result protocol: ok/fail lines on stdout; the script exits 1 if anything
# failed, 77 (skip) if every user was skipped, else 0.

set -u
exec </dev/null

: "${GLASSBOX:?GLASSBOX must point to the glassbox binary}"
: "${GLASSBOX_INIT:?GLASSBOX_INIT must point to glassbox-init}"
: "${PROBE:=}"
GB_USERS=${GB_USERS:-"root 65534"}
GB_TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
HOSTPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

TROOT=$(mktemp -d /var/tmp/gbtest.XXXXXX) || { echo "cannot create test root"; exit 1; }
chmod 755 "$TROOT"
mkdir -p "$TROOT/bin"
cp "$GLASSBOX" "$TROOT/bin/glassbox"
cp "$GLASSBOX_INIT" "$TROOT/bin/glassbox-init"
[ -n "$PROBE" ] && cp "$PROBE" "$TROOT/bin/gb-probe"
[ -n "${DRIVER:-}" ] && cp "$DRIVER" "$TROOT/bin/gb-session-driver"
cp "$GB_TESTS_DIR/integration/pty_run.py" "$TROOT/bin/pty_run.py"
chmod 755 "$TROOT/bin" "$TROOT/bin/"*
GB_BIN=$TROOT/bin/glassbox
PROBE_BIN=$TROOT/bin/gb-probe
DRIVER_BIN=$TROOT/bin/gb-session-driver
PTY_RUN=$TROOT/bin/pty_run.py

FAILS=0
PASSES=0
USERS_RAN=0
USERS_SKIPPED=0
BG_PIDS=()
CUR_UID=0
CUR_USER=root
GB_ENV=()        # extra KEY=VALUE for the next run_as/gb calls
GB_CWD=""        # cwd for gb/run_as; empty = $W
GB_TIMEOUT=60

cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do
		kill -KILL -- "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	if [ "${GB_KEEP:-0}" = 1 ]; then
		echo "kept test root $TROOT"
	else
		chmod -R u+rwX "$TROOT" 2>/dev/null
		rm -rf "$TROOT"
	fi
}
trap cleanup EXIT

# --- reporting -------------------------------------------------------------

ok() {
	PASSES=$((PASSES + 1))
	echo "ok   [$CUR_USER] $1"
}

# fail NAME MESSAGE...
fail() {
	FAILS=$((FAILS + 1))
	local name=$1
	shift
	echo "FAIL [$CUR_USER] $name"
	printf '%s\n' "$@" | sed 's/^/       /'
}

note() { echo "note [$CUR_USER] $*"; }

# Shows the last glassbox run (for failure messages).
last_run() {
	printf 'command: %s\nexit: %s\nstdout: %s\nstderr: %s\n' \
		"$LAST_CMD" "$RC" "$(printf '%s' "$OUT" | head -c 1500)" "$(printf '%s' "$ERR" | head -c 1500)"
}

assert_eq() { # NAME EXPECTED GOT
	if [ "$2" == "$3" ]; then ok "$1"; else fail "$1" "expected: $2" "got:      $3"; fi
}

assert_rc() { # NAME EXPECTED_RC (of the last gbrun)
	if [ "$RC" == "$2" ]; then ok "$1"; else fail "$1" "expected exit $2, got $RC" "$(last_run)"; fi
}

assert_contains() { # NAME HAYSTACK NEEDLE
	if [[ "$2" == *"$3"* ]]; then ok "$1"; else fail "$1" "expected to contain: $3" "got: $(printf '%s' "$2" | head -c 2000)"; fi
}

assert_not_contains() { # NAME HAYSTACK NEEDLE
	if [[ "$2" != *"$3"* ]]; then ok "$1"; else fail "$1" "expected NOT to contain: $3" "got: $(printf '%s' "$2" | head -c 2000)"; fi
}

assert_match() { # NAME STRING ERE
	if [[ "$2" =~ $3 ]]; then ok "$1"; else fail "$1" "expected to match /$3/" "got: $(printf '%s' "$2" | head -c 2000)"; fi
}

assert_absent() { # NAME PATH (on the host)
	if [ ! -e "$2" ] && [ ! -L "$2" ]; then ok "$1"; else fail "$1" "expected $2 not to exist on the host" "$(ls -la "$2" 2>&1)" "$(last_run)"; fi
}

assert_file_is() { # NAME PATH CONTENT
	local got
	got=$(cat "$2" 2>&1)
	if [ "$got" == "$3" ]; then ok "$1"; else fail "$1" "expected $2 to hold: $3" "got: $got"; fi
}

# The last gbrun ran a gb-probe attempt inside the sandbox: it must have been
# refused (probe exit 0 + BLOCKED), or the probe was killed by SIGSYS (seccomp
# kill action), which glassbox reports as 128+31.
assert_blocked() { # NAME
	if { [ "$RC" = 0 ] && [[ "$OUT" == *BLOCKED* ]]; } || [ "$RC" = 159 ]; then
		ok "$1 (${OUT:-exit $RC})"
	else
		fail "$1" "expected the attempt to be BLOCKED inside the sandbox" "$(last_run)"
	fi
}

assert_escaped() { # NAME: the last run (positive control) must have succeeded
	if [ "$RC" = 1 ] && [[ "$OUT" == *ESCAPED* ]]; then
		ok "$1 (control: $OUT)"
	else
		fail "$1" "positive control: expected ESCAPED (the probe must detect success)" "$(last_run)"
	fi
}

# --- the event schema ---

# schema_check LOG: checks every line of a --log file against
# docs/events.schema.json; prints "valid", "no-jsonschema" or the first error.
schema_check() {
	$PY - "$GB_TESTS_DIR/../docs/events.schema.json" "$1" <<'PYEOF'
import json, sys
try:
    import jsonschema
except ImportError:
    print("no-jsonschema"); sys.exit(0)
v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
for i, line in enumerate(open(sys.argv[2]), 1):
    for e in v.iter_errors(json.loads(line)):
        print("line %d: %s" % (i, e.message)); sys.exit(0)
print("valid")
PYEOF
}

assert_schema() { # NAME LOG
	local verdict
	verdict=$(schema_check "$2")
	if [ "$verdict" = no-jsonschema ]; then
		note "python3-jsonschema is not installed: schema validation not run"
	else
		assert_eq "$1" valid "$verdict"
	fi
}

# --- running ---------------------------------------------------------------

# run_as CMD...: runs CMD as the current test user with a clean, fixed
# environment (plus GB_ENV), in GB_CWD or $W.
run_as() {
	local cwd=${GB_CWD:-$W}
	local envv=(PATH="$HOSTPATH" HOME="$H" USER="$CUR_USER" SHELL=/bin/bash
		TERM="${TERM:-xterm}" LANG=C.UTF-8 LOGNAME="$CUR_USER" "${GB_ENV[@]}")
	if [ "$CUR_UID" = 0 ]; then
		(cd "$cwd" && exec env -i "${envv[@]}" "$@")
	else
		(cd "$cwd" && exec setpriv --reuid="$CUR_UID" --regid="$CUR_UID" --clear-groups \
			env -i "${envv[@]}" "$@")
	fi
}

gb() { run_as "$GB_BIN" "$@"; }

# gbrun ARGS...: runs glassbox ARGS as the test user (stdin from the caller),
# with a timeout; sets OUT, ERR, RC, LAST_CMD.
gbrun() {
	LAST_CMD="glassbox $*"
	run_as timeout -k 5 "$GB_TIMEOUT" "$GB_BIN" "$@" >"$TROOT/out.$$" 2>"$TROOT/err.$$"
	RC=$?
	OUT=$(cat "$TROOT/out.$$")
	ERR=$(cat "$TROOT/err.$$")
}

# hostrun CMD...: the same without glassbox (positive controls).
hostrun() {
	LAST_CMD="(host) $*"
	run_as timeout -k 5 "$GB_TIMEOUT" "$@" >"$TROOT/out.$$" 2>"$TROOT/err.$$"
	RC=$?
	OUT=$(cat "$TROOT/out.$$")
	ERR=$(cat "$TROOT/err.$$")
}

# probe_in NAME [GLASSBOX OPTIONS --] ATTEMPT ARGS: runs gb-probe inside.
probe_in() { # NAME GBOPTS... -- ATTEMPT ARGS...
	local name=$1
	shift
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	gbrun "${opts[@]}" -- "$PROBE_BIN" "$@"
	assert_blocked "$name"
}

# bg CMD...: starts CMD in the background (killed at exit); pid in BG_PID.
bg() {
	setsid "$@" &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# wait_for_file PATH [SECONDS]
wait_for_file() {
	local i
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# --- per-user set-up -------------------------------------------------------

# user_setup UID: fresh $UD (user dir), $W (work dir = cwd), $H (fake HOME with
# planted credentials), all owned by the user.
user_setup() {
	CUR_UID=$1
	if [ "$CUR_UID" = 0 ]; then CUR_USER=root; else CUR_USER=$(id -nu "$CUR_UID" 2>/dev/null || echo "u$CUR_UID"); fi
	UD=$TROOT/u$CUR_UID
	W=$UD/work
	H=$UD/home
	rm -rf "$UD"
	mkdir -p "$W" "$H/.ssh" "$H/.gnupg"
	echo "SECRET-SSH-KEY-$$" >"$H/.ssh/id_rsa"
	echo "SECRET-GPG-$$" >"$H/.gnupg/secring"
	echo "machine example.com password SECRET-NETRC-$$" >"$H/.netrc"
	echo "echo SECRET-HISTORY-$$" >"$H/.bash_history"
	echo "plain home file" >"$H/notes.txt"
	echo "work file" >"$W/existing.txt"
	chmod 700 "$H/.ssh"
	chmod 600 "$H/.ssh/id_rsa" "$H/.netrc"
	chmod 755 "$UD" "$W" "$H"
	chown -R "$CUR_UID:$CUR_UID" "$UD"
	GB_ENV=()
	GB_CWD=""
}

# mkdir_user DIR...: directories owned by the current user.
mkdir_user() {
	mkdir -p "$@" && chown "$CUR_UID:$CUR_UID" "$@"
}

userns_ok() {
	local why
	if [ "$CUR_UID" = 0 ]; then
		why=$(unshare -U -r true 2>&1) && return 0
	else
		why=$(setpriv --reuid="$CUR_UID" --regid="$CUR_UID" --clear-groups unshare -U -r true 2>&1) && return 0
	fi
	echo "SKIP [$CUR_USER] the kernel refuses user namespaces for uid $CUR_UID: $why" \
		"(check sysctl kernel.unprivileged_userns_clone, user.max_user_namespaces, AppArmor)"
	return 1
}

# for_each_user FUNC: runs FUNC once per user in GB_USERS.
for_each_user() {
	local u
	for u in $GB_USERS; do
		[ "$u" = root ] && u=0
		[ "$u" = nobody ] && u=65534
		user_setup "$u"
		if ! userns_ok; then
			USERS_SKIPPED=$((USERS_SKIPPED + 1))
			continue
		fi
		USERS_RAN=$((USERS_RAN + 1))
		echo "== $(basename "$0") as $CUR_USER (uid $CUR_UID)"
		"$1"
	done
}

finish() {
	echo "== $(basename "$0"): $PASSES passed, $FAILS failed"
	[ "$FAILS" -gt 0 ] && exit 1
	[ "$USERS_RAN" -eq 0 ] && [ "$USERS_SKIPPED" -gt 0 ] && exit 77
	exit 0
}
