#!/bin/bash
# Observation: every denied write, create, delete, rename, mkdir and direct
# connect made by a real sandboxed process is one `denied` event with the
# right op, target, rule, flag and errno (the same errno the kernel gives);
# allowed accesses produce none; the ERRNO deny filter still wins over the
# notification; --trace lists reads and execs as `access` events; --debug
# prints the readable line; `glassbox report` summarises a log and refuses a
# bad one with one line and exit 2. Every log validates against the schema.
. "$(dirname "$0")/../lib.sh"

PYB="$PY -B -I" # no bytecode writes of its own

# events LOG KIND: one line per event: op|target|rule|flag|errno|verdict|pid|comm
events() {
	$PY - "$1" "$2" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("kind") != sys.argv[2]:
        continue
    print("|".join(str(o.get(k)) for k in ("op", "target", "rule", "flag", "errno", "verdict", "pid", "comm")))
PY
}

body() {
	local R=$UD/ro log=$UD/denied.jsonl
	mkdir_user "$R"
	echo ORIGINAL >"$R/victim"
	chown "$CUR_UID" "$R/victim"
	# A server on the host's loopback: inside, 127.0.0.1 is the sandbox's own.
	local port=$((20000 + RANDOM % 20000))
	bg $PY -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $port)); s.listen(); time.sleep(120)"

	# --- one run, seven denials ------------------------------------------
	gbrun --log "$log" -- $PYB -c "
import os, socket, errno
def tryit(name, f):
    try:
        f(); print(name, 'ok')
    except OSError as e:
        print(name, errno.errorcode[e.errno])
tryit('write', lambda: open('$R/victim', 'w'))
tryit('create', lambda: open('$R/new', 'x'))
tryit('delete', lambda: os.unlink('$R/victim'))
tryit('rename', lambda: os.rename('$R/victim', '$R/renamed'))
tryit('mkdir', lambda: os.mkdir('$R/dir'))
tryit('connect-lo', lambda: socket.socket().connect(('127.0.0.1', $port)))
tryit('connect-net', lambda: socket.socket().connect(('10.1.2.3', 80)))
"
	assert_rc "the denials run exits 0" 0
	assert_eq "each attempt got the kernel's errno" \
		"write EROFS
create EROFS
delete EROFS
rename EROFS
mkdir EROFS
connect-lo ECONNREFUSED
connect-net ENETUNREACH" "$OUT"
	local ev
	ev=$(events "$log" denied)
	assert_eq "exactly seven denied events" 7 "$(printf '%s\n' "$ev" | grep -c .)"
	assert_contains "write: op, target, rule, flag, errno" "$ev" \
		"write|$R/victim|not in allow-write|--allow-write=$R/victim|EROFS|deny"
	assert_contains "create: the flag names the directory" "$ev" \
		"create|$R/new|not in allow-write|--allow-write=$R|EROFS|deny"
	assert_contains "delete" "$ev" "delete|$R/victim|not in allow-write|--allow-write=$R|EROFS|deny"
	assert_contains "rename" "$ev" "rename|$R/victim|not in allow-write|--allow-write=$R|EROFS|deny"
	assert_contains "mkdir" "$ev" "mkdir|$R/dir|not in allow-write|--allow-write=$R|EROFS|deny"
	assert_contains "connect to loopback" "$ev" \
		"connect|127.0.0.1:$port|no direct network: only the proxy at 127.0.0.1:3128|--allow-net=127.0.0.1:$port|ECONNREFUSED|deny"
	assert_contains "connect to another address" "$ev" \
		"connect|10.1.2.3:80|no direct network: only the proxy at 127.0.0.1:3128|--allow-net=10.1.2.3:80|ENETUNREACH|deny"
	local pids
	pids=$(printf '%s\n' "$ev" | cut -d'|' -f7,8 | sort -u)
	assert_match "events name the process as the sandbox sees it" "$pids" '^2\|python3$'
	assert_file_is "the host file is untouched" "$R/victim" ORIGINAL
	assert_schema "denied events validate against the schema" "$log"

	# --- deny rules name themselves, with no flag -------------------------
	mkdir_user "$W/locked" "$W/hidden"
	cp /bin/true "$W/hidden/prog"
	gbrun --log "$log.rules" --deny-write="$W/locked" --deny-read="$W/hidden" -- $PYB -c "
import os
for f in (lambda: open('$W/locked/f', 'w'), lambda: os.rmdir('$W/hidden'),
          lambda: os.execv('$W/hidden/prog', ['prog'])):
    try: f()
    except OSError as e: print(e.errno)
"
	assert_eq "deny-write gives EROFS, removing a mask EBUSY, a hidden program ENOENT" "30
16
2" "$OUT"
	ev=$(events "$log.rules" denied)
	assert_eq "three denied events" 3 "$(printf '%s\n' "$ev" | grep -c .)"
	assert_contains "deny-write rule, no flag" "$ev" "create|$W/locked/f|deny-write=$W/locked|None|EROFS"
	assert_contains "removing a masked dir: deny-read rule" "$ev" "delete|$W/hidden|deny-read=$W/hidden|None|EBUSY"
	assert_contains "running a hidden program: deny-read rule" "$ev" "exec|$W/hidden/prog|deny-read=$W/hidden|None|ENOENT"
	assert_schema "rule events validate" "$log.rules"

	# --- allowed work: no events, and it happened -------------------------
	gbrun --log "$log.ok" -- $PYB -c "
import os
open('new.txt', 'w').write('hi'); os.mkdir('d'); os.rename('new.txt', 'd/n.txt')
open('gone', 'w').close(); os.unlink('gone')
print(open('$R/victim').read().strip())
"
	assert_eq "allowed run works" ORIGINAL "$OUT"
	assert_file_is "allowed writes reach the host" "$W/d/n.txt" hi
	assert_eq "allowed writes and reads produce no denied event" "" "$(events "$log.ok" denied)"
	assert_eq "without --trace nothing allowed is reported" "" "$(events "$log.ok" access)"

	# --- the ERRNO filter wins over the notification ---------------------
	gbrun --log "$log.suid" -- $PYB -c "
import os
open('s', 'w').close()
try: os.chmod('s', 0o4755)
except OSError as e: print(e.errno)
"
	assert_eq "setuid chmod still EPERM (deny filter first)" 1 "$OUT"
	assert_eq "and is not reported as an observed denial" "" "$(events "$log.suid" denied)"

	# --- --debug -------------------------------------------------------------
	gbrun --debug -- sh -c "echo x > '$R/victim'"
	assert_match "--debug prints the denial as a sentence" "$ERR" \
		"glassbox: [0-9:.]+ denied write $R/victim \(rule: not in allow-write; allow with --allow-write=$R/victim\)"

	# --- --trace and report --------------------------------------------------
	gbrun --trace --log "$log.trace" -- sh -c "cat '$R/victim' >/dev/null; echo t > traced.txt; echo no > '$R/victim'"
	ev=$(events "$log.trace" access)
	assert_contains "--trace lists a file read" "$ev" "read|$R/victim|None|None|None|allow"
	assert_contains "--trace lists an exec" "$ev" "exec|/usr/bin/cat|"
	assert_contains "--trace lists an allowed write" "$ev" "write|$W/traced.txt|"
	assert_contains "--trace still reports the denial" "$(events "$log.trace" denied)" "write|$R/victim|"
	assert_schema "trace events validate" "$log.trace"

	gbrun report "$log.trace"
	assert_rc "report exits 0" 0
	assert_contains "report: programs run" "$OUT" "Programs run"
	assert_contains "report: the exec" "$OUT" "  /usr/bin/cat"
	assert_contains "report: the file read" "$OUT" "Files read"
	assert_contains "report: the read path" "$OUT" "  $R/victim"
	assert_contains "report: files written" "$OUT" "  write $W/traced.txt"
	assert_contains "report: denials" "$OUT" "Denied (1):
  write $R/victim (rule: not in allow-write; allow with --allow-write=$R/victim)"
	gbrun report "$log"
	assert_contains "report of the denials run: hosts contacted and denials" "$OUT" "Denied (7):"
	gbrun report
	assert_rc "report without a file exits 2" 2
	assert_eq "with its usage" "glassbox: usage: glassbox report LOG.jsonl" "$ERR"
	gbrun report "$UD/missing.jsonl"
	assert_rc "report of a missing file exits 2" 2
	assert_eq "with one line" 1 "$(printf '%s\n' "$ERR" | grep -c .)"
	assert_contains "naming the problem" "$ERR" "No such file or directory"
	printf '%s\n{"kind": "exec", oops\n' "$(head -1 "$log")" >"$UD/bad.jsonl"
	gbrun report "$UD/bad.jsonl"
	assert_rc "report of a malformed line exits 2" 2
	assert_eq "one error line naming the line" "glassbox: report: $UD/bad.jsonl: line 2 is not a glassbox event (a JSON object with \"kind\")" "$ERR"
	assert_eq "and prints no summary" "" "$OUT"
}

for_each_user body
finish
