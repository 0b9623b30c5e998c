#!/bin/bash
# What the command sees: same uid, hostname glassbox, own pid namespace
# (pid 1 = glassbox-init, no host pids), loopback-only network, private empty
# /tmp, minimal /dev, fresh /proc, empty /run, no capabilities, no_new_privs,
# seccomp filter mode, read-only system dirs.
. "$(dirname "$0")/../lib.sh"

# A port free right now (a fixed one can be some client's ephemeral port).
HTTP_PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

start_http() {
	mkdir -p "$TROOT/www"
	echo "host-http-$$" >"$TROOT/www/index.html"
	bg $PY -m http.server "$HTTP_PORT" --bind 127.0.0.1 --directory "$TROOT/www"
	local i
	for i in $(seq 50); do
		curl -s --max-time 1 "http://127.0.0.1:$HTTP_PORT/" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "could not start the http server"
	return 1
}

body() {
	gbrun -- /usr/bin/id -u
	assert_eq "uid inside equals uid outside" "$CUR_UID" "$OUT"
	gbrun -- /usr/bin/id -g
	assert_eq "gid inside equals gid outside" "$CUR_UID" "$OUT"
	gbrun -- /bin/hostname
	assert_eq "hostname is glassbox" glassbox "$OUT"
	gbrun -- /bin/cat /proc/sys/kernel/hostname
	assert_eq "kernel hostname is glassbox" glassbox "$OUT"
	assert_eq "host hostname unchanged" "$(cat /proc/sys/kernel/hostname)" "$(hostname)"

	# pid namespace
	gbrun -- /bin/cat /proc/1/comm
	assert_eq "pid 1 is glassbox-init" glassbox-init "$OUT"
	gbrun -- /bin/sh -c 'echo $$'
	if [ "$RC" = 0 ] && [ "$OUT" -lt 10 ] 2>/dev/null; then ok "the command has a small pid in its own namespace ($OUT)"
	else fail "the command has a small pid in its own namespace" "$(last_run)"; fi
	gbrun -- /bin/sh -c "test -e /proc/$$ && echo VISIBLE; ls /proc | grep -c '^[0-9]'"
	assert_not_contains "the test shell's pid $$ is not visible in /proc" "$OUT" VISIBLE
	local n=${OUT##*$'\n'}
	if [ "${n:-99}" -le 5 ]; then ok "only sandbox processes in /proc ($n)"; else fail "only sandbox processes in /proc" "$(last_run)"; fi
	gbrun -- /bin/ps -e -o pid=,comm=
	assert_not_contains "ps inside shows no host process (bash test shell)" "$OUT" "bash"
	assert_contains "ps inside shows glassbox-init" "$OUT" "glassbox-init"

	# namespaces differ from the host's
	local ns
	for ns in mnt pid net ipc uts user; do
		gbrun -- /bin/readlink /proc/self/ns/$ns
		if [ "$RC" = 0 ] && [ -n "$OUT" ] && [ "$OUT" != "$(readlink /proc/self/ns/$ns)" ]; then ok "new $ns namespace ($OUT)"
		else fail "new $ns namespace" "host: $(readlink /proc/self/ns/$ns)" "$(last_run)"; fi
	done

	# network: loopback only, host loopback services unreachable
	gbrun -- /bin/sh -c "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '"
	assert_eq "/proc/net/dev lists only lo" lo "$OUT"
	gbrun -- /sbin/ip -o link
	if [ "$RC" = 0 ] && [ "$(printf '%s\n' "$OUT" | grep -c .)" = 1 ] && [[ "$OUT" == *": lo:"* ]]; then ok "ip link shows only lo"
	else fail "ip link shows only lo" "$(last_run)"; fi
	hostrun /usr/bin/curl -s --max-time 3 "http://127.0.0.1:$HTTP_PORT/"
	assert_contains "control: host http server reachable outside" "$OUT" "host-http-$$"
	gbrun -- /usr/bin/curl -s --noproxy '*' --max-time 3 "http://127.0.0.1:$HTTP_PORT/"
	assert_not_contains "host 127.0.0.1 http server unreachable inside" "$OUT" "host-http-$$"
	if [ "$RC" != 0 ]; then ok "curl to host loopback fails inside (exit $RC)"; else fail "curl to host loopback fails inside" "$(last_run)"; fi
	local hostip
	hostip=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
	if [ -n "$hostip" ]; then
		gbrun -- /usr/bin/curl -s --noproxy '*' --max-time 3 "http://$hostip:$HTTP_PORT/"
		if [ "$RC" != 0 ]; then ok "host address $hostip unreachable inside (curl exit $RC)"
		else fail "host address unreachable inside" "$(last_run)"; fi
	fi

	# private /tmp
	local hostmark=/tmp/gbtest-host-marker-$$
	echo host >"$hostmark"
	gbrun -- /bin/sh -c "test -e $hostmark && echo VISIBLE; ls -A /tmp | wc -l"
	rm -f "$hostmark"
	assert_not_contains "host /tmp file invisible inside" "$OUT" VISIBLE
	assert_eq "/tmp is empty inside" 0 "${OUT##*$'\n'}"
	gbrun -- /bin/sh -c 'echo inside > /tmp/gbtest-inside && cat /tmp/gbtest-inside'
	assert_eq "/tmp is writable inside" inside "$OUT"
	assert_absent "/tmp writes do not reach the host /tmp" /tmp/gbtest-inside
	gbrun -- /bin/sh -c 'test -e /tmp/gbtest-inside && echo STILL-THERE; echo done'
	assert_not_contains "/tmp writes vanish after the run" "$OUT" STILL-THERE
	gbrun -- /usr/bin/stat -c %a /tmp
	assert_eq "/tmp mode is 1777" 1777 "$OUT"

	# /dev
	gbrun -- /bin/ls -A /dev
	local allowed=" null zero full random urandom tty ptmx pts shm fd stdin stdout stderr " e bad=""
	for e in $OUT; do [[ "$allowed" == *" $e "* ]] || bad="$bad $e"; done
	if [ "$RC" = 0 ] && [ -z "$bad" ]; then ok "/dev is minimal: $(echo $OUT)"
	else fail "/dev is minimal" "unexpected entries:$bad" "$(last_run)"; fi
	for e in null zero full random urandom tty ptmx pts; do
		assert_contains "/dev/$e present" " $(echo $OUT) " " $e "
	done
	gbrun -- /bin/sh -c 'for d in /dev/sda /dev/vda /dev/kmsg /dev/mem /dev/kvm /dev/fuse /dev/loop0 /dev/tty0 /dev/console; do test -e $d && echo PRESENT $d; done; echo checked'
	assert_not_contains "no host devices (sda vda kmsg mem kvm fuse loop tty0 console)" "$OUT" PRESENT
	gbrun -- /bin/sh -c 'head -c 4 /dev/urandom | wc -c; head -c 3 /dev/zero | wc -c; echo x > /dev/null && echo null-ok; echo x > /dev/full || echo full-ok'
	assert_eq "/dev nodes work" "4 3 null-ok full-ok" "$(echo $OUT)"

	# /proc is fresh, /run empty
	gbrun -- /bin/sh -c 'cat /proc/self/mountinfo | grep " /proc " | head -1; ls -A /run | wc -l'
	assert_contains "/proc is mounted" "$OUT" "/proc"
	assert_eq "/run is empty" 0 "${OUT##*$'\n'}"

	# capabilities, no_new_privs, seccomp
	gbrun -- /bin/grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status
	local st=$OUT k
	for k in CapInh CapPrm CapEff CapBnd CapAmb; do
		assert_match "$k is zero" "$st" "$k:[[:space:]]+0000000000000000"
	done
	assert_match "NoNewPrivs is 1" "$st" "NoNewPrivs:[[:space:]]+1"
	assert_match "Seccomp is 2 (filter)" "$st" "Seccomp:[[:space:]]+2"
	gbrun -- /bin/grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/1/status
	assert_match "glassbox-init (pid 1) has CapEff zero too" "$OUT" "CapEff:[[:space:]]+0000000000000000"

	# system dirs are read-only, and readable
	local d
	for d in /usr /etc /bin /var/tmp "$UD"; do
		gbrun -- /bin/sh -c "echo x > $d/gbtest-ro-$$"
		if [ "$RC" != 0 ] && [ ! -e "$d/gbtest-ro-$$" ]; then ok "$d is read-only inside"
		else fail "$d is read-only inside" "$(last_run)"; rm -f "$d/gbtest-ro-$$"; fi
	done
	gbrun -- /bin/sh -c 'cat /etc/hostname >/dev/null && ls /usr/bin | wc -l'
	assert_rc "/etc and /usr readable" 0

	# the working directory is the invoking cwd
	gbrun -- /bin/pwd
	assert_eq "cwd inside is the invoking cwd" "$W" "$OUT"
}

start_http || exit 1
for_each_user body
finish
