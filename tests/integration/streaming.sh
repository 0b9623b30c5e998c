#!/bin/bash
# stdin/stdout/stderr stream through in pipe mode: infinite producers, piped
# input with EOF, 50 MB byte-exact, binary data, output without delay,
# stdout and stderr kept apart.
. "$(dirname "$0")/../lib.sh"

body() {
	local got
	# An infinite producer into the sandbox; head inside stops reading.
	got=$(yes | GB_TIMEOUT=60 run_as timeout 60 "$GB_BIN" -- /usr/bin/head -c 1000000 | wc -c)
	assert_eq "yes | glassbox -- head -c 1000000 | wc -c" 1000000 "$got"
	# An infinite producer inside; head outside stops reading (SIGPIPE inside).
	got=$(run_as timeout 60 "$GB_BIN" -- /usr/bin/yes | head -c 1000000 | wc -c)
	assert_eq "glassbox -- yes | head -c 1000000" 1000000 "$got"

	got=$(printf data | run_as timeout 30 "$GB_BIN" -- /bin/cat)
	assert_eq "printf data | glassbox -- cat" data "$got"
	got=$(printf 'a\nb\nc\n' | run_as timeout 30 "$GB_BIN" -- /usr/bin/wc -l)
	assert_eq "stdin EOF reaches the command (wc -l)" 3 "$(echo $got)"
	got=$(run_as timeout 30 "$GB_BIN" -- /bin/cat </dev/null | wc -c)
	assert_eq "empty stdin: cat ends at once" 0 "$got"

	# 50 MB byte-exact, both directions.
	local big=$UD/big.bin
	head -c 50000000 /dev/urandom >"$big"
	chown "$CUR_UID" "$big"
	local want
	want=$(sha256sum <"$big" | cut -d' ' -f1)
	got=$(run_as timeout 120 "$GB_BIN" -- /bin/cat "$big" | sha256sum | cut -d' ' -f1)
	assert_eq "50 MB of output byte-exact (cat file inside)" "$want" "$got"
	got=$(run_as timeout 120 "$GB_BIN" -- /bin/cat <"$big" | sha256sum | cut -d' ' -f1)
	assert_eq "50 MB through stdin and stdout byte-exact" "$want" "$got"
	got=$(run_as timeout 120 "$GB_BIN" -- /bin/sh -c "cat '$big' >&2" 2>&1 >/dev/null | sha256sum | cut -d' ' -f1)
	assert_eq "50 MB of stderr byte-exact" "$want" "$got"
	rm -f "$big"

	# Binary data with NULs and no trailing newline.
	got=$(printf 'a\0b\0\377\n\r\033[0mz' | run_as timeout 30 "$GB_BIN" -- /bin/cat | od -An -tx1 | tr -d ' \n')
	assert_eq "binary bytes pass unchanged" "61006200ff0a0d1b5b306d7a" "$got"

	# stdout and stderr stay separate.
	run_as timeout 30 "$GB_BIN" -- /bin/sh -c 'echo to-out; echo to-err >&2' >"$UD/o" 2>"$UD/e"
	assert_file_is "stdout goes to stdout" "$UD/o" to-out
	assert_contains "stderr goes to stderr" "$(cat "$UD/e")" to-err
	assert_not_contains "stderr not mixed into stdout" "$(cat "$UD/o")" to-err

	# Pipe mode: the command's stdio are not terminals.
	gbrun -- /bin/sh -c 'test -t 0 || echo in-pipe; test -t 1 || echo out-pipe'
	assert_eq "pipe mode: stdin and stdout are not ttys" "in-pipe out-pipe" "$(echo $OUT)"

	# Output appears at once: a line printed before `sleep 5` reaches the
	# parent within 1 s of starting glassbox.
	local t0 t1 line ms
	exec 7< <(run_as timeout 30 "$GB_BIN" -- /bin/sh -c 'echo early-line; sleep 5; echo late-line')
	t0=$EPOCHREALTIME
	IFS= read -r -t 4 line <&7
	t1=$EPOCHREALTIME
	ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
	if [ "$line" = early-line ] && [ "$ms" -le 1000 ]; then ok "output streams without delay (${ms} ms)"
	else fail "output streams without delay" "expected early-line within 1000 ms" "got '$line' after ${ms} ms"; fi
	exec 7<&-
	# stderr too
	exec 7< <(run_as timeout 30 "$GB_BIN" -- /bin/sh -c 'echo early-err >&2; sleep 5' 2>&1 >/dev/null)
	t0=$EPOCHREALTIME
	IFS= read -r -t 4 line <&7
	t1=$EPOCHREALTIME
	ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
	if [ "$line" = early-err ] && [ "$ms" -le 1000 ]; then ok "stderr streams without delay (${ms} ms)"
	else fail "stderr streams without delay" "expected early-err within 1000 ms" "got '$line' after ${ms} ms"; fi
	exec 7<&-
	# stdin reaches the command without waiting for EOF: an interactive
	# exchange through a coprocess.
	coproc GBCO { run_as timeout 30 "$GB_BIN" -- /bin/sh -c 'while read -r l; do echo "got:$l"; done'; }
	echo ping >&"${GBCO[1]}"
	IFS= read -r -t 3 line <&"${GBCO[0]}"
	assert_eq "stdin streams without EOF (interactive ping)" "got:ping" "$line"
	echo pong >&"${GBCO[1]}"
	IFS= read -r -t 3 line <&"${GBCO[0]}"
	assert_eq "second interactive line" "got:pong" "$line"
	eval "exec ${GBCO[1]}>&-"
	wait "$GBCO_PID"
	assert_eq "closing stdin ends the command (exit 0)" 0 "$?"
}

for_each_user body
finish
