#!/bin/bash
# Events: --debug prints human lines on stderr (stdout untouched); --log FILE
# writes JSON lines {v, time, session, kind, ...} with session_start,
# jail_ready, exec and exit; setup errors are logged too.
. "$(dirname "$0")/../lib.sh"

check_jsonl() { # FILE -> prints a verdict line per check, or JSONL-ERROR
	$PY - "$1" <<'PY'
import json, sys
kinds, sessions, bad = [], set(), []
with open(sys.argv[1]) as f:
    for i, line in enumerate(f, 1):
        if not line.strip():
            bad.append("empty line %d" % i); continue
        try:
            o = json.loads(line)
        except Exception as e:
            bad.append("line %d not JSON: %s" % (i, e)); continue
        if not isinstance(o, dict):
            bad.append("line %d not an object" % i); continue
        for k in ("v", "time", "session", "kind"):
            if k not in o:
                bad.append("line %d lacks %s" % (i, k))
        kinds.append(o.get("kind")); sessions.add(str(o.get("session")))
print("kinds=" + ",".join(map(str, kinds)))
print("sessions=%d" % len(sessions))
print("bad=" + "; ".join(bad))
PY
}

body() {
	gbrun --debug -- /bin/echo payload
	assert_rc "--debug run exits 0" 0
	assert_eq "--debug leaves stdout to the command" payload "$OUT"
	if [ "$(printf '%s\n' "$ERR" | grep -c .)" -ge 2 ]; then ok "--debug prints event lines on stderr ($(printf '%s\n' "$ERR" | wc -l) lines)"
	else fail "--debug prints event lines on stderr" "$(last_run)"; fi
	assert_not_contains "--debug lines are human text, not JSON" "$(printf '%s\n' "$ERR" | head -1)" '{"v"'
	gbrun -- /bin/echo payload
	assert_eq "without --debug stderr is silent" "" "$ERR"

	local log=$UD/events.jsonl
	rm -f "$log"
	gbrun --log "$log" -- /bin/sh -c 'exit 3'
	assert_rc "--log run keeps the exit status" 3
	assert_eq "--log adds nothing to stderr" "" "$ERR"
	if [ -s "$log" ]; then ok "--log FILE written"; else fail "--log FILE written" "$(last_run)"; fi
	local res
	res=$(check_jsonl "$log")
	assert_eq "every log line is a JSON object with v, time, session, kind" "bad=" "$(printf '%s\n' "$res" | grep '^bad=')"
	assert_eq "one session id across the log" "sessions=1" "$(printf '%s\n' "$res" | grep '^sessions=')"
	local k kinds
	kinds=$(printf '%s\n' "$res" | grep '^kinds=')
	for k in session_start jail_ready exec exit; do
		assert_contains "log has a $k event" ",${kinds#kinds=}," ",$k,"
	done
	assert_match "session_start comes first, exit last" "$kinds" '^kinds=session_start,.*exit$'
	assert_contains "exit event carries the status 3" "$(grep '"exit"' "$log")" 3
	# Every line validates against the documented schema.
	# a snapshot run adds change events to the same log
	GB_ENV=(GLASSBOX_HOME="$UD/gbhome")
	gbrun --snapshot --log "$log.snap" -- /bin/sh -c 'echo new > new-file; rm -f existing.txt'
	GB_ENV=()
	assert_contains "--snapshot logs change events" "$(cat "$log.snap")" '"kind":"change"'
	cat "$log.snap" >>"$log"
	rm -f "$W/new-file"
	assert_schema "every log line validates against docs/events.schema.json" "$log"

	local log2=$UD/events2.jsonl
	gbrun --log=$log2 -- /bin/true
	if [ -s "$log2" ]; then ok "--log=FILE form works"; else fail "--log=FILE form works" "$(last_run)"; fi
	local s1 s2
	s1=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["session"])' "$log")
	s2=$($PY -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["session"])' "$log2")
	if [ -n "$s1" ] && [ "$s1" != "$s2" ]; then ok "each run has its own session id"; else fail "each run has its own session id" "$s1 vs $s2"; fi

	# --debug and --log together render the same stream.
	rm -f "$log"
	gbrun --debug --log "$log" -- /bin/true
	local nd nl
	nd=$(printf '%s\n' "$ERR" | grep -c .)
	nl=$(grep -c . "$log")
	if [ "$nd" -ge 1 ] && [ "$nl" -ge 1 ]; then ok "--debug ($nd lines) and --log ($nl lines) together"
	else fail "--debug and --log together" "$(last_run)"; fi

	# A setup error is logged (glassbox-init missing -> 125).
	local lone=$UD/lonely log3=$UD/events3.jsonl
	mkdir -p "$lone" && cp "$GB_BIN" "$lone/glassbox" && chmod 755 "$lone" "$lone/glassbox"
	run_as "$lone/glassbox" --log "$log3" -- /bin/true 2>/dev/null
	RC=$?
	LAST_CMD="glassbox (no init) --log"
	assert_rc "setup failure exits 125" 125
	if [ -s "$log3" ] && grep -q 'setup_error' "$log3"; then ok "setup failure is logged as setup_error"
	else fail "setup failure is logged as setup_error" "log: $(cat "$log3" 2>&1)"; fi

	# An unwritable log file is bad input (exit 2), not a crash.
	gbrun --log /proc/gbtest/no/such/dir.jsonl -- /usr/bin/touch "$W/marker-log"
	if [ "$RC" = 2 ] || [ "$RC" = 125 ]; then ok "unwritable --log fails cleanly (exit $RC)"
	else fail "unwritable --log fails cleanly" "$(last_run)"; fi
	assert_absent "unwritable --log: the command did not run" "$W/marker-log"
}

for_each_user body
finish
