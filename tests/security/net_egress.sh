#!/bin/bash
# Egress escapes: programs that ignore the proxy variables have no route out
# (the sandbox's network namespace has only loopback), and the proxy does not
# become a door to the host's own loopback services or private ranges.
. "$(dirname "$0")/../lib.sh"

NET=$TROOT/net
mkdir -p "$NET"
chmod 755 "$NET"
HP=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
bg $PY -m http.server "$HP" --bind 127.0.0.1 --directory "$NET"
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$HP/" && break; sleep 0.1; done
NS=$(awk '/^nameserver/ {print $2; exit}' /etc/resolv.conf)

body() {
	cp "$GB_TESTS_DIR/integration/net_client.py" "$W/"
	local CL="$PY $W/net_client.py"
	hostrun $CL direct 127.0.0.1 "$HP"
	assert_eq "positive control: the host service is reachable from the host" ESCAPED "$OUT"

	gbrun --allow-net=127.0.0.1:$HP -- $CL direct 127.0.0.1 "$HP"
	assert_contains "direct connect to the host's loopback service fails" "$OUT" BLOCKED
	gbrun --allow-net -- curl -sS --noproxy '*' -m 5 "http://127.0.0.1:$HP/"
	assert_rc "curl --noproxy cannot reach the host" 7
	gbrun --allow-net -- $CL direct 1.1.1.1 80
	assert_contains "direct connect to a public address fails" "$OUT" BLOCKED
	if [ -n "$NS" ]; then
		gbrun --allow-net -- $CL direct "$NS" 53
		assert_contains "direct connect to the host's resolver fails" "$OUT" BLOCKED
	fi
	gbrun --allow-net -- $CL direct ::1 "$HP"
	assert_contains "direct connect to [::1] fails" "$OUT" BLOCKED
	gbrun --allow-net -- $CL raw "CONNECT 127.0.0.1:$HP HTTP/1.1\r\n\r\n"
	assert_contains "bare --allow-net: CONNECT to host loopback refused" "$OUT" "403 Forbidden"
	gbrun --allow-net -- $CL raw "CONNECT 0.0.0.0:$HP HTTP/1.1\r\n\r\n"
	assert_contains "CONNECT to 0.0.0.0 refused" "$OUT" "403 Forbidden"
	gbrun --allow-net -- $CL raw "CONNECT [::ffff:127.0.0.1]:$HP HTTP/1.1\r\n\r\n"
	assert_contains "CONNECT to a v4-mapped loopback refused" "$OUT" "403 Forbidden"
	gbrun --allow-net -- $CL raw "CONNECT 2130706433:$HP HTTP/1.1\r\n\r\n"
	assert_contains "a decimal-encoded IP is not a host name" "$OUT" "400 Bad Request"
	gbrun --allow-net -- $CL raw "GET http://127.0.0.1:$HP/ HTTP/1.1\r\nHost: example.com\r\n\r\n"
	assert_contains "Host header cannot smuggle a different destination" "$OUT" "403 Forbidden"
	gbrun --allow-net=localhost:$HP -- $CL raw "GET http://localhost:$HP/ HTTP/1.1\r\nHost: localhost:$HP\r\n\r\nGET http://127.0.0.1:$HP/ HTTP/1.1\r\nHost: 127.0.0.1:$HP\r\n\r\n"
	assert_contains "a pipelined request pair: the allowed first one is answered" "$OUT" "200"
	gbrun --allow-net=localhost:$HP -- curl -s -w ' %{http_code}' "http://localhost:$HP/" "http://127.0.0.1:$HP/"
	assert_contains "keep-alive cannot carry a request to another host" "$OUT" "403"
	gbrun --allow-net -- curl -sS "http://x%1b%5b2J.example/"
	assert_not_contains "escape bytes in host names never reach stderr raw" "$ERR" $'\e['
}

for_each_user body
finish
