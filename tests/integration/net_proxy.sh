#!/bin/bash
# The egress proxy with real clients: curl (HTTP, HTTPS through CONNECT,
# SOCKS5 with --socks5-hostname), python3 urllib; allow/deny/wildcard/apex/
# IDNA/IP/port rules, loopback refused under bare --allow-net, the 403 body,
# keep-alive, chunked upload with Expect: 100-continue, a 200 MB download
# byte-exact, 200 concurrent CONNECTs, no fd growth, and network events in
# --log validated against docs/events.schema.json. Servers are local
# (127.0.0.1, started here with a test CA); nothing reaches the internet.
. "$(dirname "$0")/../lib.sh"

NET=$TROOT/net
mkdir -p "$NET"
chmod 755 "$NET"
read -r HP TP < <($PY -c '
import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')

# A test CA and a server certificate for localhost names and 127.0.0.1.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=glassbox-test-ca \
	-keyout "$NET/ca.key" -out "$NET/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout "$NET/server.key" \
	-out "$NET/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,DNS:tls.localhost,IP:127.0.0.1\n' >"$NET/ext"
openssl x509 -req -in "$NET/server.csr" -CA "$NET/ca.pem" -CAkey "$NET/ca.key" \
	-CAcreateserial -days 2 -extfile "$NET/ext" -out "$NET/server.pem" 2>/dev/null
chmod 644 "$NET/ca.pem"
bg $PY "$GB_TESTS_DIR/integration/net_server.py" "$NET" 127.0.0.1 "$HP" "$TP"
wait_for_file "$NET/ready" 10 || { echo "FAIL test servers did not start"; exit 1; }

GB_TIMEOUT=120

# in_box GLASSBOX_OPTS... -- CMD...: a run whose stdout is the command's.
body() {
	cp "$NET/ca.pem" "$GB_TESTS_DIR/integration/net_client.py" "$W/"
	chown "$CUR_UID:$CUR_UID" "$W/ca.pem" "$W/net_client.py"
	local U="http://localhost:$HP" CL="$PY $W/net_client.py"

	# --- environment ------------------------------------------------------
	GB_ENV=(NO_PROXY=localhost no_proxy=localhost HTTP_PROXY=http://elsewhere:1)
	gbrun --allow-env -- /usr/bin/env
	assert_contains "HTTP_PROXY points at the proxy" "$OUT" "HTTP_PROXY=http://127.0.0.1:3128"
	assert_contains "https_proxy points at the proxy" "$OUT" "https_proxy=http://127.0.0.1:3128"
	assert_contains "ALL_PROXY is socks5h" "$OUT" "ALL_PROXY=socks5h://127.0.0.1:3128"
	assert_not_contains "NO_PROXY is not inherited (even with --allow-env)" "$OUT" "NO_PROXY="
	assert_not_contains "no_proxy is not inherited" "$OUT" "no_proxy="
	gbrun --env NO_PROXY=example.org -- /usr/bin/env
	assert_contains "NO_PROXY set with --env is kept" "$OUT" "NO_PROXY=example.org"
	GB_ENV=()

	# --- default deny, 403 body, allow by name ----------------------------
	gbrun -- curl -sS "$U/hello"
	assert_eq "default: denied with a 403 naming the rule and the flag" \
		"glassbox: localhost:$HP denied (no --allow-net rule); allow with --allow-net=localhost:$HP" "$OUT"
	gbrun -- curl -s -o /dev/null -w '%{http_code}' "$U/hello"
	assert_eq "default: status 403" 403 "$OUT"
	gbrun --allow-net=localhost:$HP -- curl -sS "$U/hello"
	assert_eq "--allow-net=localhost:PORT: allowed (HTTP)" hello "$OUT"
	gbrun --allow-net=LOCALHOST. -- curl -sS "$U/hello"
	assert_eq "rule case and trailing dot are normalised" hello "$OUT"
	gbrun --allow-net=localhost:$TP -- curl -s -o /dev/null -w '%{http_code}' "$U/hello"
	assert_eq "a rule for another port does not allow this one" 403 "$OUT"
	gbrun --allow-net=localhost --deny-net=localhost:$HP -- curl -sS "$U/hello"
	assert_eq "deny wins over allow" \
		"glassbox: localhost:$HP denied (--deny-net=localhost:$HP); to allow it, remove --deny-net=localhost:$HP" "$OUT"

	# --- wildcard vs apex, IDNA, IP literals -------------------------------
	# A wildcard alone never opens loopback/private addresses (DNS
	# rebinding): the address must be named too.
	gbrun --allow-net="*.localhost" -- curl -sS "http://a.b.localhost:$HP/hello"
	assert_contains "*.localhost alone does not reach loopback" "$OUT" "resolves to loopback address"
	gbrun --allow-net="*.localhost,127.0.0.1" -- curl -sS "http://a.b.localhost:$HP/hello"
	assert_eq "*.localhost allows a subdomain (loopback named by IP)" hello "$OUT"
	gbrun --allow-net="*.localhost,127.0.0.1" -- curl -s -o /dev/null -w '%{http_code}' "$U/hello"
	assert_eq "*.localhost does not allow the apex" 403 "$OUT"
	gbrun --allow-net="bücher.localhost:$HP" -- curl -sS "http://xn--bcher-kva.localhost:$HP/host"
	assert_eq "IDNA rule matches the ASCII form" "xn--bcher-kva.localhost:$HP" "$OUT"
	gbrun --allow-net="xn--bcher-kva.localhost" -- curl -sS "http://bücher.localhost:$HP/hello"
	assert_eq "ASCII rule matches a Unicode name" hello "$OUT"
	gbrun --allow-net=127.0.0.1:$HP -- curl -sS "http://127.0.0.1:$HP/hello"
	assert_eq "IP literal rule allows the IP" hello "$OUT"
	gbrun --allow-net=127.0.0.1:$HP -- curl -s -o /dev/null -w '%{http_code}' "$U/hello"
	assert_eq "an IP rule does not allow a name (localhost) without bare --allow-net" 403 "$OUT"
	gbrun --allow-net --allow-net=127.0.0.1:$HP -- curl -sS "$U/hello"
	assert_eq "bare + IP rule: a name resolving to the named IP is allowed" hello "$OUT"

	# --- bare --allow-net refuses loopback unless named -------------------
	gbrun --allow-net -- curl -sS "$U/hello"
	assert_contains "bare --allow-net refuses loopback names" "$OUT" \
		"glassbox: localhost:$HP denied (resolves to loopback address 127.0.0.1"
	gbrun --allow-net -- curl -sS "http://127.0.0.1:$HP/hello"
	assert_eq "bare --allow-net refuses loopback IPs" \
		"glassbox: 127.0.0.1:$HP denied (loopback address, not named by any --allow-net rule); allow with --allow-net=127.0.0.1:$HP" "$OUT"
	gbrun --allow-net -- curl -s -o /dev/null -w '%{http_code}' "http://[::1]:$HP/"
	assert_eq "bare --allow-net refuses [::1]" 403 "$OUT"
	gbrun --allow-net -- curl -s -o /dev/null -w '%{http_code}' "http://169.254.169.254/latest/"
	assert_eq "bare --allow-net refuses link-local metadata" 403 "$OUT"
	gbrun --allow-net -- curl -s -o /dev/null -w '%{http_code}' "http://10.1.2.3:8080/"
	assert_eq "bare --allow-net refuses RFC 1918" 403 "$OUT"
	gbrun -A -- curl -s -o /dev/null -w '%{http_code}' "$U/hello"
	assert_eq "-A allows public network, not loopback" 403 "$OUT"

	# --- HTTPS through CONNECT, SOCKS5, python ----------------------------
	gbrun --allow-net=localhost:$TP -- curl -sS --cacert "$W/ca.pem" "https://localhost:$TP/hello"
	assert_eq "HTTPS via CONNECT with the test CA" hello "$OUT"
	gbrun -- curl -sS --cacert "$W/ca.pem" "https://localhost:$TP/hello"
	assert_contains "denied CONNECT fails the client" "$ERR" "403"
	gbrun --allow-net=tls.localhost:$TP -- curl -sS --socks5-hostname 127.0.0.1:3128 --cacert "$W/ca.pem" "https://tls.localhost:$TP/hello"
	assert_eq "SOCKS5 with a host name (--socks5-hostname, TLS inside)" hello "$OUT"
	gbrun --allow-net=127.0.0.1:$HP -- curl -sS --socks5 127.0.0.1:3128 "http://127.0.0.1:$HP/hello"
	assert_eq "SOCKS5 with an IPv4 address" hello "$OUT"
	gbrun --allow-net=localhost:$HP -- sh -c 'curl -sS -x "$ALL_PROXY" '"$U/hello"
	assert_eq "ALL_PROXY (socks5h) works" hello "$OUT"
	gbrun -- curl -sS --socks5-hostname 127.0.0.1:3128 "$U/hello"
	assert_rc "denied SOCKS5 fails the client" 97
	assert_contains "SOCKS5 refusal is reply 2 (not allowed by ruleset)" "$ERR" "(2)"
	gbrun --allow-net=localhost -- $PY -c "
import urllib.request, ssl
print(urllib.request.urlopen('$U/hello').read().decode().strip())
ctx = ssl.create_default_context(cafile='$W/ca.pem')
print(urllib.request.urlopen('https://localhost:$TP/hello', context=ctx).read().decode().strip())"
	assert_eq "python urllib HTTP and HTTPS through the proxy" "hello
hello" "$OUT"

	# --- Host/authority mismatch, malformed -------------------------------
	gbrun --allow-net=localhost -- $CL raw "GET http://localhost:$HP/host HTTP/1.1\r\nHost: evil.example\r\n\r\n"
	assert_contains "Host header differing from the URL is refused" "$OUT" "403 Forbidden"
	assert_contains "... with a reason" "$OUT" "Host header does not match"
	gbrun --allow-net=localhost -- curl -sS -H "Host: localhost:$HP" "$U/host"
	assert_eq "a Host header matching the URL passes" "localhost:$HP" "$OUT"
	gbrun --allow-net=localhost -- $CL raw "GET /hello HTTP/1.1\r\nHost: localhost:$HP\r\n\r\n"
	assert_contains "origin-form requests are refused (400)" "$OUT" "400 Bad Request"
	gbrun --allow-net=localhost -- $CL raw "POST http://localhost:$HP/sha HTTP/1.1\r\nHost: localhost:$HP\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
	assert_contains "Content-Length with chunked is refused (400)" "$OUT" "400 Bad Request"

	# --- bodies: chunked upload with 100-continue, big download, keep-alive
	head -c 3000000 /dev/urandom >"$W/up.bin"
	chown "$CUR_UID:$CUR_UID" "$W/up.bin"
	local want
	want=$(sha256sum <"$W/up.bin" | cut -d' ' -f1)
	gbrun --allow-net=localhost -- curl -sS -T "$W/up.bin" -H 'Transfer-Encoding: chunked' \
		-H 'Expect: 100-continue' "$U/sha"
	assert_eq "chunked upload with Expect: 100-continue arrives byte-exact" "$want" "$OUT"
	gbrun --allow-net=localhost -- curl -sS --data-binary @"$W/up.bin" "$U/sha"
	assert_eq "Content-Length upload arrives byte-exact" "$want" "$OUT"
	local big=200000000
	want=$($PY -c "
import hashlib; b=bytes(range(256))*256; h=hashlib.sha256(); n=$big
while n: k=min(n,len(b)); h.update(b[:k]); n-=k
print(h.hexdigest())")
	gbrun --allow-net=localhost -- sh -c "curl -sS $U/bytes/$big | sha256sum | cut -d' ' -f1"
	assert_eq "200 MB download through HTTP is byte-exact" "$want" "$OUT"
	gbrun --allow-net=localhost:$TP -- sh -c "curl -sS --cacert $W/ca.pem https://localhost:$TP/bytes/$big | sha256sum | cut -d' ' -f1"
	assert_eq "200 MB download through CONNECT+TLS is byte-exact" "$want" "$OUT"
	want=$($PY -c "import hashlib; print(hashlib.sha256((bytes(range(256))*256)*4 + bytes(range(256))*16).hexdigest())")
	gbrun --allow-net=localhost -- sh -c "curl -sS $U/chunked/$((65536*4+4096)) | sha256sum | cut -d' ' -f1"
	assert_eq "chunked response passes through" "$want" "$OUT"
	local log=$UD/net.jsonl
	rm -f "$log"
	gbrun --log "$log" --allow-net=localhost -- curl -sS "$U/hello" "$U/hello" "$U/host"
	assert_eq "three requests on one keep-alive connection" "hello
hello
localhost:$HP" "$OUT"
	assert_eq "each keep-alive request is its own event" 3 "$(grep -c '"kind":"network"' "$log")"

	# --- concurrency and fds ---------------------------------------------
	gbrun --allow-net=localhost -- $CL connects 200 localhost "$HP"
	assert_eq "200 concurrent CONNECT tunnels" "ok 200" "$OUT"

	local m=$W/marks
	mkdir_user "$m"
	run_as timeout 120 "$GB_BIN" --allow-net=localhost -- sh -c "
		$CL loop 200 localhost $HP >$m/out1; touch $m/a; while [ ! -e $m/go ]; do sleep 0.05; done
		$CL loop 2000 localhost $HP >$m/out2; touch $m/b; while [ ! -e $m/go2 ]; do sleep 0.05; done" &
	BG_PIDS+=($!)
	local gpid="" n1="" n2=""
	if wait_for_file "$m/a" 60; then
		gpid=$(pgrep -n -f "^$GB_BIN --allow-net=localhost -- sh -c")
		n1=$(ls "/proc/$gpid/fd" | wc -l)
		touch "$m/go"
		wait_for_file "$m/b" 90
		n2=$(ls "/proc/$gpid/fd" | wc -l)
		touch "$m/go2"
	fi
	assert_eq "2000 mixed requests: all answered as expected" "fails 0" "$(cat "$m/out2" 2>&1)"
	if [ -n "$n1" ] && [ -n "$n2" ] && [ "$n2" -le "$n1" ]; then ok "no fd growth after 2000 requests ($n1 -> $n2 fds in glassbox)"
	else fail "no fd growth after 2000 requests" "fds: '$n1' -> '$n2' (pid '$gpid')"; fi

	# --- events ----------------------------------------------------------
	rm -f "$log"
	gbrun --log "$log" --allow-net=localhost:$HP -- sh -c "curl -s $U/hello; curl -s http://127.0.0.1:$HP/hello; curl -s --cacert $W/ca.pem https://localhost:$TP/hello; curl -s --socks5-hostname 127.0.0.1:3128 $U/hello"
	local res
	res=$($PY - "$log" "$HP" "$TP" <<'PYEOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if '"network"' in l]
hp, tp = int(sys.argv[2]), int(sys.argv[3])
out = []
def find(**kw):
    for e in ev:
        if all(e.get(k) == v for k, v in kw.items()):
            return e
    return None
a = find(protocol="http", host="localhost", verdict="allow")
out.append("http-allow:%s" % (a and a["rule"] == "--allow-net=localhost:%d" % hp and a["address"] == "127.0.0.1"
           and a["status"] == 200 and a["bytes_down"] > 0 and a["bytes_up"] > 0 and a["method"] == "GET"))
d = find(protocol="http", host="127.0.0.1", verdict="deny")
out.append("http-deny:%s" % (d and d["rule"] == "default" and d["hint"] == "--allow-net=127.0.0.1:%d" % hp))
c = find(protocol="connect", port=tp)
out.append("connect-deny:%s" % (c and c["verdict"] == "deny" and c["method"] == "CONNECT"))
s = find(protocol="socks5", verdict="allow")
out.append("socks-allow:%s" % (s is not None and s["bytes_down"] > 0))
print(" ".join(out))
PYEOF
)
	assert_eq "network events carry protocol, verdict, rule, address, bytes" \
		"http-allow:True http-deny:True connect-deny:True socks-allow:True" "$res"
	assert_schema "network events validate against docs/events.schema.json" "$log"
	gbrun --debug --allow-net=localhost:$HP -- curl -s "http://localhost:$TP/x"
	assert_contains "--debug shows one line per attempt" "$ERR" "network     http GET localhost:$TP deny: no --allow-net rule; allow with --allow-net=localhost:$TP"
}

for_each_user body
finish
