#!/bin/bash
# --secret / --secret-host with real clients (curl, python3 urllib and
# http.client) through the proxy: the placeholder inside, the value
# substituted in headers for a listed host over HTTP and HTTPS (TLS
# intercepted with the session CA), left unchanged (and reported) for an
# unlisted host, a server with a certificate from an untrusted CA refused,
# the value absent from everything the sandbox can see and from --log and
# --debug, usage errors. Servers: 127.0.0.2 (the secret's host), 127.0.0.3
# (allowed, not listed), 127.0.0.4 (listed, but its certificate comes from a
# CA nobody trusts). The servers answer with a hash of what they received and
# log it in $NET, which the sandbox cannot read.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/live_lib.sh"

NET=$TROOT/net
mkdir -p "$NET"
chmod 755 "$NET"
read -r HP TP < <($PY -c '
import socket
for _ in range(50):
    s = socket.socket(); s.bind(("127.0.0.2", 0)); hp = s.getsockname()[1]
    t = socket.socket(); t.bind(("127.0.0.2", 0)); tp = t.getsockname()[1]
    try:
        for a in ("127.0.0.3", "127.0.0.4", "127.0.0.5"):
            for p in (hp, tp):
                x = socket.socket(); x.bind((a, p)); x.close()
    except OSError:
        continue
    print(hp, tp); break')

mkcert() { # NAME CA SAN
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$NET/$1.key" -out "$NET/$1.csr" 2>/dev/null
	printf 'subjectAltName=%s\n' "$3" >"$NET/$1.ext"
	openssl x509 -req -in "$NET/$1.csr" -CA "$NET/$2.pem" -CAkey "$NET/$2.key" -CAcreateserial \
		-days 2 -extfile "$NET/$1.ext" -out "$NET/$1.pem" 2>/dev/null
}
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=glassbox-test-ca \
	-keyout "$NET/ca.key" -out "$NET/ca.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=untrusted-ca \
	-keyout "$NET/evil-ca.key" -out "$NET/evil-ca.pem" 2>/dev/null
mkcert good ca "IP:127.0.0.2,IP:127.0.0.3,DNS:localhost"
mkcert evil evil-ca "IP:127.0.0.4"
chmod 644 "$NET/ca.pem"
bg $PY "$GB_TESTS_DIR/integration/net_secrets_server.py" "$NET" \
	"http:127.0.0.2:$HP" "https:127.0.0.2:$TP:$NET/good.pem:$NET/good.key" \
	"http:127.0.0.3:$HP" "https:127.0.0.3:$TP:$NET/good.pem:$NET/good.key" \
	"https:127.0.0.4:$TP:$NET/evil.pem:$NET/evil.key" \
	"https:127.0.0.5:$TP:$NET/good.pem:$NET/good.key"
wait_for_file "$NET/ready" 20 || { echo "FAIL test servers did not start"; exit 1; }
# A server that accepts and never says a word (for the stalled handshake).
read -r STALL < <($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.2",0)); print(s.getsockname()[1])')
bg $PY -c 'import socket,time,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s.bind(("127.0.0.2",int(sys.argv[1]))); s.listen(8); open(sys.argv[2],"w").close()
c=[]
while True: c.append(s.accept())' "$STALL" "$NET/stall-ready"
wait_for_file "$NET/stall-ready" 20 || { echo "FAIL stall server did not start"; exit 1; }

GB_TIMEOUT=60
VALUE="sv-$($PY -c 'import secrets; print(secrets.token_hex(12))')-real-value"
sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
WANT_SHA=$(sha "Bearer $VALUE")
# What every run gets: the test CA stands in for the system trust store
# (glassbox verifies servers with it), the servers' directory is hidden.
SEC=(--deny-read="$NET" --secret "TOK=$VALUE" --secret-host TOK=127.0.0.2)
NETS=--allow-net=127.0.0.2,127.0.0.3,127.0.0.4

assert_no_value() { # NAME TEXT
	if [[ "$2" != *"$VALUE"* ]]; then ok "$1"; else fail "$1" "the secret's value appears" "$(printf '%s' "$2" | grep -F -- "$VALUE" | head -c 600)"; fi
}

body() {
	GB_ENV=(SSL_CERT_FILE="$NET/ca.pem")
	local E=http://127.0.0.2:$HP/echo S=https://127.0.0.2:$TP/echo
	local E3=http://127.0.0.3:$HP/echo S3=https://127.0.0.3:$TP/echo

	# --- usage errors: exit 2, one line, never the value -----------------
	gbrun --secret "TOK=$VALUE" -- true
	assert_rc "a secret without --secret-host: exit 2" 2
	assert_contains "  ... naming --secret-host" "$ERR" "--secret-host TOK=HOST"
	assert_eq "  ... in one line" 1 "$(printf '%s\n' "$ERR" | wc -l)"
	assert_no_value "  ... without the value" "$ERR"
	gbrun --secret TOK --secret-host TOK=127.0.0.2 -- true
	assert_rc "--secret NAME with NAME unset in glassbox's environment: exit 2" 2
	assert_contains "  ... saying so" "$ERR" "TOK is not set in glassbox's environment"
	gbrun --secret-host NOPE=127.0.0.2 -- true
	assert_rc "--secret-host for an unknown secret: exit 2" 2
	assert_contains "  ... naming it" "$ERR" "no --secret NOPE=VALUE"
	gbrun --secret "1TOK=$VALUE" --secret-host 1TOK=127.0.0.2 -- true
	assert_rc "an invalid variable name: exit 2" 2
	assert_no_value "  ... without the value" "$ERR"
	gbrun --secret TOK= --secret-host TOK=127.0.0.2 -- true
	assert_rc "an empty value: exit 2" 2
	gbrun --secret "TOK=$VALUE" --secret-host 'TOK=*' -- true
	assert_rc "--secret-host '*' (every host): exit 2" 2
	gbrun --secret "TOK=$VALUE" --secret-host 'TOK=bad..host' -- true
	assert_rc "an invalid host: exit 2" 2
	assert_no_value "  ... without the value" "$ERR"
	[ -z "$OUT" ] && ok "  ... nothing started" || fail "  ... nothing started" "$(last_run)"

	# --- inside: a placeholder, the CA trusted, the value nowhere ---------
	gbrun "${SEC[@]}" -- sh -c 'echo "$TOK"'
	assert_match "\$TOK holds GLASSBOX_SECRET_ + 64 hex" "$OUT" '^GLASSBOX_SECRET_[0-9a-f]{64}$'
	gbrun "${SEC[@]}" -- /usr/bin/env
	local v
	for v in SSL_CERT_FILE REQUESTS_CA_BUNDLE CURL_CA_BUNDLE NODE_EXTRA_CA_CERTS GIT_SSL_CAINFO PIP_CERT; do
		assert_contains "$v points at the bundle" "$OUT" "$v=/run/glassbox/ca-bundle.pem"
	done
	gbrun "${SEC[@]}" -- sh -c 'grep -c "BEGIN CERTIFICATE" /run/glassbox/ca-bundle.pem;
		openssl x509 -in /run/glassbox/ca.pem -noout -subject;
		echo x >>/run/glassbox/ca-bundle.pem && echo WRITABLE; rm -f /run/glassbox/ca.pem && echo REMOVED;
		ls /run/glassbox'
	assert_match "the bundle holds the host's roots and the session CA" "$OUT" '^2
'
	assert_contains "  ... the session CA is readable" "$OUT" "glassbox session CA"
	assert_not_contains "  ... and cannot be changed from inside" "$OUT" WRITABLE
	assert_not_contains "  ... or removed" "$OUT" REMOVED
	assert_not_contains "  ... no key beside it" "$OUT" key

	# Everything the sandbox can see, dumped out and searched here.
	GB_ENV+=(PARENT_COPY="$VALUE" OTHER="x${VALUE}y")
	gbrun "${SEC[@]}" --allow-env --allow-write=. -- sh -c 'echo hi >written.txt; tr "\\0" "\\n" </proc/self/environ; env;
		cat /proc/1/environ 2>/dev/null; find /run /tmp . -type f -exec cat {} + 2>/dev/null; echo DONE'
	assert_contains "the inside dump ran" "$OUT" DONE
	assert_no_value "the value is in no env (/proc/self/environ, env, inherited copies), /run, /tmp or the cwd" "$OUT"
	assert_contains "  ... while an inherited variable without it still is" "$OUT" "SSL_CERT_FILE=/run/glassbox"
	GB_ENV=(SSL_CERT_FILE="$NET/ca.pem")

	# --- HTTP: substituted for the listed host only ----------------------
	local log=$UD/events.jsonl
	gbrun "${SEC[@]}" $NETS --log "$log" --debug -- sh -c \
		'curl -sS -H "Authorization: Bearer $TOK" '"$E"'; curl -sS -H "Authorization: Bearer $TOK" '"$E3"
	assert_contains "HTTP, listed host: the server got the real value" "$OUT" "auth-sha256=$WANT_SHA placeholder=no"
	assert_contains "HTTP, unlisted host: the server got the placeholder" "$OUT" "placeholder=yes"
	assert_contains "  ... and the attempt is an event naming the secret" "$(grep '"127.0.0.3"' "$log")" '"secrets_withheld":["TOK"]'
	assert_contains "  ... the listed one names it as sent" "$(grep '"127.0.0.2"' "$log")" '"secrets":["TOK"]'
	assert_contains "the session_start policy lists the secret's hosts" "$(grep session_start "$log")" '"secrets":{"TOK":["127.0.0.2"]}'
	assert_no_value "the value is not in the --log file" "$(cat "$log")"
	assert_no_value "the value is not in --debug output" "$ERR"

	# Escape attempt: name the listed host in Host while asking for another.
	: >"$NET/seen.log"
	gbrun "${SEC[@]}" $NETS -- sh -c 'curl -sS -H "Host: 127.0.0.2:'"$HP"'" -H "Authorization: Bearer $TOK" '"$E3"
	assert_contains "a Host header naming the listed host on a request elsewhere is refused" "$OUT" "Host header does not match"
	if ! grep -qF -- "$VALUE" "$NET/seen.log"; then ok "  ... and no server saw the value"; else fail "  ... and no server saw the value" "$(cat "$NET/seen.log")"; fi

	# --secret NAME takes the value from glassbox's environment (not argv).
	GB_ENV+=(TOK="$VALUE")
	gbrun --deny-read="$NET" --secret TOK --secret-host TOK=127.0.0.2 $NETS -- sh -c \
		'echo "inside=$TOK"; curl -sS -H "Authorization: Bearer $TOK" '"$E"
	assert_contains "--secret NAME: the value from glassbox's environment is substituted" "$OUT" "auth-sha256=$WANT_SHA placeholder=no"
	assert_match "  ... and inside \$TOK is the placeholder" "$OUT" 'inside=GLASSBOX_SECRET_[0-9a-f]{64}'
	GB_ENV=(SSL_CERT_FILE="$NET/ca.pem")

	# --- HTTPS: intercepted for the listed host, tunnelled for others ----
	gbrun "${SEC[@]}" $NETS --log "$log" -- sh -c \
		'curl -sS -H "Authorization: Bearer $TOK" '"$S"'; curl -sS -H "Authorization: Bearer $TOK" '"$S3"
	assert_contains "HTTPS (curl), listed host: the server got the real value" "$OUT" "auth-sha256=$WANT_SHA placeholder=no"
	assert_contains "HTTPS (curl), unlisted host: the placeholder, untouched" "$OUT" "placeholder=yes"
	assert_contains "  ... the listed connection was intercepted" "$(grep '"127.0.0.2"' "$log")" '"intercepted":true'
	assert_not_contains "  ... the unlisted one was not" "$(grep '"127.0.0.3"' "$log")" 'intercepted'
	assert_no_value "the value is not in the --log file (HTTPS)" "$(cat "$log")"

	# python3: urllib, then http.client with keep-alive (two requests on
	# one connection) and a body holding the placeholder (not rewritten).
	cat >"$W/client.py" <<'PYEOF'
import hashlib, http.client, os, ssl, sys, urllib.request
tok = os.environ["TOK"]
url = sys.argv[1]
req = urllib.request.Request(url, headers={"Authorization": "Bearer " + tok})
print("urllib", urllib.request.urlopen(req, timeout=20).read().decode().strip())
host, port = url.split("/")[2].split(":")
c = http.client.HTTPSConnection("127.0.0.1", 3128, timeout=20, context=ssl.create_default_context())
c.set_tunnel(host, int(port))
for i in range(2):
    body = ("token=" + tok).encode()
    c.request("POST", "/echo", body=body, headers={"Authorization": "Bearer " + tok})
    r = c.getresponse().read().decode().strip()
    print("keepalive%d" % i, r, "body-kept=%s" % (hashlib.sha256(body).hexdigest() in r))
PYEOF
	chown "$CUR_UID:$CUR_UID" "$W/client.py"
	gbrun "${SEC[@]}" $NETS --log "$log" -- $PY "$W/client.py" "$S"
	assert_contains "HTTPS (python urllib): the real value" "$OUT" "urllib auth-sha256=$WANT_SHA placeholder=no"
	assert_contains "HTTPS (http.client keep-alive), 1st request" "$OUT" "keepalive0 auth-sha256=$WANT_SHA placeholder=no"
	assert_contains "HTTPS (http.client keep-alive), 2nd request" "$OUT" "keepalive1 auth-sha256=$WANT_SHA placeholder=no"
	assert_contains "  ... the body (holding the placeholder) passed unchanged" "$OUT" "body-kept=True"
	assert_contains "  ... one event, 2 requests, for the keep-alive connection" "$(grep '"intercepted"' "$log")" '"requests":2'
	if grep -q "body=token=GLASSBOX_SECRET_" "$NET/seen.log" && ! grep -q "body=token=$VALUE" "$NET/seen.log"; then
		ok "  ... the server saw the placeholder in the body"
	else
		fail "  ... the server saw the placeholder in the body" "$(grep body= "$NET/seen.log" | tail -3)"
	fi

	# --- a server echoing the value back: masked before the sandbox ------
	# (Best effort, for accidental echoes: see proxy_tls.c releasable().)
	gbrun "${SEC[@]}" $NETS --log "$log" -- sh -c 'for p in 0 3000; do
		curl -sS -i -H "Authorization: Bearer $TOK" https://127.0.0.2:'"$TP"'/reflect/$p | tr -d .; done;
		curl -sS -i -H "Authorization: Bearer $TOK" http://127.0.0.2:'"$HP"'/reflect/5 | tr -d .'
	assert_no_value "a value echoed by the server (HTTPS, HTTP) does not reach the sandbox" "$OUT"
	assert_contains "  ... it arrives masked, same length" "$OUT" "Bearer $(printf '%*s' ${#VALUE} '' | tr ' ' '*')"
	assert_contains "  ... in headers too" "$OUT" "X-Echo: Bearer ****"
	assert_contains "  ... and the event says so" "$(grep '"intercepted"' "$log" | head -1)" '"secrets_masked":2'

	# --- streaming through the interception, both ways -------------------
	local big=$((16 * 1024 * 1024))
	local want_dl want_ul
	want_dl=$($PY -c "import hashlib,sys; b=bytes(range(256))*256; n=$big; h=hashlib.sha256()
while n: k=min(n,len(b)); h.update(b[:k]); n-=k
print(h.hexdigest())")
	head -c $((8 * 1024 * 1024)) /dev/urandom >"$W/upload.bin"
	chown "$CUR_UID:$CUR_UID" "$W/upload.bin"
	want_ul=$(sha256sum <"$W/upload.bin" | cut -d' ' -f1)
	local t0=$(date +%s%N)
	gbrun "${SEC[@]}" $NETS -- sh -c 'curl -sS -H "Authorization: Bearer $TOK" https://127.0.0.2:'"$TP"'/bytes/'"$big"' | sha256sum;
		curl -sS -H "Authorization: Bearer $TOK" --data-binary @upload.bin '"$S"
	local ms=$((($(date +%s%N) - t0) / 1000000))
	assert_contains "16 MiB download through the interception, byte-exact" "$OUT" "$want_dl"
	assert_contains "8 MiB upload through the interception, byte-exact" "$OUT" "body-sha256=$want_ul"
	note "24 MiB through TLS interception (both legs) in $ms ms, start-up included"
	rm -f "$W/upload.bin"

	# --- stalled handshakes on either side never block the proxy ---------
	cat >"$W/stall.py" <<PYEOF
import socket, subprocess
held = []
for port in ($TP, $STALL):  # a silent client; a server that never answers TLS
    s = socket.create_connection(("127.0.0.1", 3128))
    s.sendall(b"CONNECT 127.0.0.2:%d HTTP/1.1\\r\\nHost: 127.0.0.2\\r\\n\\r\\n" % port)
    print(s.recv(100).split(b"\\r\\n")[0].decode())
    held.append(s)
r = subprocess.run(["curl", "-sS", "-m", "10", "$S"], capture_output=True, text=True)
print("meanwhile:", r.stdout.strip(), r.stderr.strip())
PYEOF
	chown "$CUR_UID:$CUR_UID" "$W/stall.py"
	gbrun "${SEC[@]}" $NETS -- $PY "$W/stall.py"
	assert_contains "a stalled client and a stalled server handshake" "$OUT" "HTTP/1.1 200 Connection established"
	assert_contains "  ... do not block another intercepted request" "$OUT" "meanwhile: auth-sha256="

	# --- a server the host does not trust: refused, nothing sent ---------
	: >"$NET/seen.log"
	gbrun "${SEC[@]}" --secret-host TOK=127.0.0.4 $NETS --log "$log" -- sh -c \
		'curl -sS -w "code=%{http_code}\n" -H "Authorization: Bearer $TOK" https://127.0.0.4:'"$TP"'/echo'
	assert_contains "an untrusted server certificate: the client gets a 502 saying why" "$OUT" \
		"glassbox: cannot reach 127.0.0.4:$TP: the server's certificate was rejected"
	assert_contains "  ... status 502" "$OUT" "code=502"
	assert_contains "  ... the event says why" "$(grep '"127.0.0.4"' "$log")" "certificate was rejected"
	if [ ! -s "$NET/seen.log" ]; then ok "  ... the server received no request"; else fail "  ... the server received no request" "$(cat "$NET/seen.log")"; fi
	gbrun "${SEC[@]}" --secret-host TOK=127.0.0.5 --allow-net=127.0.0.5 --log "$log" -- sh -c \
		'curl -sS -w "code=%{http_code}\n" -H "Authorization: Bearer $TOK" https://127.0.0.5:'"$TP"'/echo'
	assert_contains "a trusted certificate for another address: refused (502)" "$OUT" "code=502"
	assert_contains "  ... the event says why" "$(grep '"127.0.0.5"' "$log")" "IP address mismatch"
	if [ ! -s "$NET/seen.log" ]; then ok "  ... the server received no request"; else fail "  ... the server received no request" "$(cat "$NET/seen.log")"; fi
	# Control: the same server is reachable when not intercepted (the
	# client itself then refuses it: no silent downgrade either way).
	gbrun "${SEC[@]}" $NETS -- sh -c 'curl -sS https://127.0.0.4:'"$TP"'/hello; echo "curl=$?"'
	assert_match "  ... (not intercepted, the client refuses it itself)" "$OUT" 'curl=60'

	# A client that does not trust the session CA fails; nothing leaks.
	: >"$NET/seen.log"
	gbrun "${SEC[@]}" $NETS --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
		--env CURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt -- sh -c \
		'curl -sS -H "Authorization: Bearer $TOK" '"$S"'; echo "curl=$?"'
	assert_match "a client without the session CA refuses the interception" "$OUT" 'curl=60'
	if [ ! -s "$NET/seen.log" ]; then ok "  ... and nothing reached the server"; else fail "  ... and nothing reached the server" "$(cat "$NET/seen.log")"; fi

	# --- live: a secret's hosts change for the running sandbox ----------
	# The command waits for go1, go2, go3 in its cwd and asks both servers
	# after each; the hosts change in between through `glassbox ctl`.
	cat >"$W/rounds.sh" <<SH
for r in 1 2 3; do
	while [ ! -e go\$r ]; do sleep 0.05; done
	echo "round \$r"
	curl -sS -H "Authorization: Bearer \$TOK" $E3; echo
	curl -sS -H "Authorization: Bearer \$TOK" $S; echo
	echo "done \$r"
done
SH
	chown "$CUR_UID:$CUR_UID" "$W/rounds.sh"
	rm -f "$W"/go?
	local llog=$UD/live-secrets.jsonl
	start_session "$llog" "${SEC[@]}" $NETS -- sh rounds.sh ||
		{ fail "live secrets: the session starts" "$(cat "$UD/sess.err")"; return; }
	touch "$W/go1"
	wait_grep "$UD/sess.out" '^done 1' 20
	gbrun ctl "$SID" secret-host TOK=127.0.0.3
	assert_rc "ctl secret-host NAME=HOST exits 0" 0
	assert_contains "  ... and says what changed" "$OUT" "add secret_hosts TOK=127.0.0.3"
	gbrun ctl "$SID" remove secret-host TOK=127.0.0.2
	assert_rc "ctl remove secret-host exits 0" 0
	gbrun ctl "$SID" secret-host NOPE=127.0.0.3
	assert_rc "a secret the session does not have: refused" 1
	assert_contains "  ... saying a secret cannot be added live" "$ERR" "cannot be added to a running sandbox"
	gbrun ctl "$SID" secret-host TOK='*'
	assert_rc "'*' as a secret's host: bad input, refused before asking (exit 2)" 2
	assert_contains "  ... saying why" "$ERR" "would send the secret everywhere"
	gbrun ctl "$SID" policy
	assert_contains "policy.get shows the new hosts" "$(printf '%s' "$OUT" | tr -d ' \t\n')" '"secrets":{"TOK":["127.0.0.3"]}'
	assert_no_value "  ... and never the value" "$OUT"
	touch "$W/go2"
	wait_grep "$UD/sess.out" '^done 2' 20
	gbrun ctl "$SID" secret-host TOK=127.0.0.2
	touch "$W/go3"
	end_session
	local r1 r2 r3
	r1=$(sed -n '/^round 1/,/^round 2/p' "$UD/sess.out")
	r2=$(sed -n '/^round 2/,/^round 3/p' "$UD/sess.out")
	r3=$(sed -n '/^round 3/,$p' "$UD/sess.out")
	assert_contains "before: the unlisted host gets the placeholder" "$r1" "placeholder=yes"
	assert_contains "before: the listed host (HTTPS) gets the value" "$r1" "auth-sha256=$WANT_SHA placeholder=no"
	assert_eq "after adding 127.0.0.3 and removing 127.0.0.2: 127.0.0.3 gets the value, 127.0.0.2 the placeholder" \
		"auth-sha256=$WANT_SHA placeholder=no|placeholder=yes" \
		"$(printf '%s\n' "$r2" | grep -o "auth-sha256=[0-9a-f]* placeholder=no\|placeholder=yes" | paste -sd'|')"
	assert_contains "adding 127.0.0.2 back: HTTPS to it gets the value again" "$(printf '%s\n' "$r3" | grep placeholder= | tail -1)" \
		"auth-sha256=$WANT_SHA placeholder=no"
	assert_eq "three policy_change events" 3 "$(grep -c '"kind":"policy_change"' "$llog")"
	assert_no_value "the session's log never has the value" "$(cat "$llog")"
	assert_schema "policy_change events for secret hosts validate against the schema" "$llog"

	# --- live removal on connections already open (keep-alive) ---------
	# One HTTPS connection (intercepted) and one plain HTTP connection to
	# the secret's host, each asked once before and once after the host
	# is removed: the second request carries the placeholder.
	cat >"$W/ka.py" <<'PYEOF'
import http.client, os, ssl, sys, time
tok = os.environ["TOK"]
tp, hp = int(sys.argv[1]), int(sys.argv[2])
s = http.client.HTTPSConnection("127.0.0.1", 3128, timeout=20, context=ssl.create_default_context())
s.set_tunnel("127.0.0.2", tp)
h = http.client.HTTPConnection("127.0.0.1", 3128, timeout=20)
def ask(tag):
    s.request("GET", "/echo", headers={"Authorization": "Bearer " + tok})
    print(tag, "https", s.getresponse().read().decode().strip(), flush=True)
    h.request("GET", "http://127.0.0.2:%d/echo" % hp, headers={"Authorization": "Bearer " + tok})
    print(tag, "http", h.getresponse().read().decode().strip(), flush=True)
ask("before")
open("asked", "w").close()
while not os.path.exists("removed"):
    time.sleep(0.05)
ask("after")
PYEOF
	chown "$CUR_UID:$CUR_UID" "$W/ka.py"
	rm -f "$W/asked" "$W/removed"
	start_session "$llog" "${SEC[@]}" $NETS -- $PY ka.py "$TP" "$HP" ||
		{ fail "keep-alive: the session starts" "$(cat "$UD/sess.err")"; return; }
	wait_for_file "$W/asked" 20 || fail "keep-alive: the first requests were answered" "$(cat "$UD/sess.err")"
	gbrun ctl "$SID" remove secret-host TOK=127.0.0.2
	assert_rc "keep-alive: remove secret-host exits 0" 0
	touch "$W/removed"
	end_session
	assert_contains "keep-alive: before the removal HTTPS gets the value" "$(grep '^before https' "$UD/sess.out")" "auth-sha256=$WANT_SHA placeholder=no"
	assert_contains "keep-alive: before the removal HTTP gets the value" "$(grep '^before http ' "$UD/sess.out")" "auth-sha256=$WANT_SHA placeholder=no"
	assert_contains "keep-alive: after it, the same HTTPS connection sends the placeholder" "$(grep '^after https' "$UD/sess.out")" "placeholder=yes"
	assert_contains "keep-alive: after it, the same HTTP connection sends the placeholder" "$(grep '^after http ' "$UD/sess.out")" "placeholder=yes"
	assert_no_value "keep-alive: the sandbox never saw the value" "$(cat "$UD/sess.out")"
	assert_contains "keep-alive: both HTTPS requests went over one intercepted connection" \
		"$(grep '"intercepted"' "$llog")" '"requests":2'

	# Schema: the new network fields are documented.
	assert_schema "network and session_start events validate against the schema" "$log"
}

for_each_user body
finish
