#!/bin/bash
# Exfiltrating a secret through a server that echoes it (intercepted TLS):
# the sandbox pads the request so that the echoed value straddles the
# server's 16 KiB TLS record boundary. The proxy reads one record at a time;
# before the fix it sent the first record on at once and masked only whole
# values within one read, so both halves reached the sandbox unmasked.
# Now a tail that begins a value is held until the rest arrives, and the rest
# of a value whose first bytes already went out (at most 3 of them) is
# masked. Server: net_secrets_server.py /reflect/N (N dots, then the
# Authorization value) on 127.0.0.2, the secret's host. Plain HTTP: a
# server on 127.0.0.2 that sends the echo in two writes 0.3 s apart, split
# after K bytes of the value (GET /split/K), so the proxy reads it in two.
. "$(dirname "$0")/../lib.sh"

NET=$TROOT/net
mkdir -p "$NET"
chmod 755 "$NET"
read -r TP < <($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.2",0)); print(s.getsockname()[1])')
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=glassbox-test-ca \
	-keyout "$NET/ca.key" -out "$NET/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=good -keyout "$NET/good.key" -out "$NET/good.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.2\n' >"$NET/good.ext"
openssl x509 -req -in "$NET/good.csr" -CA "$NET/ca.pem" -CAkey "$NET/ca.key" -CAcreateserial \
	-days 2 -extfile "$NET/good.ext" -out "$NET/good.pem" 2>/dev/null
chmod 644 "$NET/ca.pem"
bg $PY "$GB_TESTS_DIR/integration/net_secrets_server.py" "$NET" \
	"https:127.0.0.2:$TP:$NET/good.pem:$NET/good.key"
wait_for_file "$NET/ready" 20 || { echo "FAIL test server did not start"; exit 1; }
read -r HP < <($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.2",0)); print(s.getsockname()[1])')
bg $PY -c '
import socket, sys, threading, time
def serve(c):
    head = b""
    while b"\r\n\r\n" not in head:
        d = c.recv(4096)
        if not d: return
        head += d
    lines = head.decode().split("\r\n")
    k = int(lines[0].split()[1].rsplit("/", 1)[1])
    auth = next((l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("authorization:")), "")
    body = (auth + "\n").encode()
    cut = len("Bearer ") + k
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:cut])
    time.sleep(0.3)
    c.sendall(body[cut:])
    c.close()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.2", int(sys.argv[1]))); s.listen(16); open(sys.argv[2], "w").close()
while True:
    threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()
' "$HP" "$NET/split-ready"
wait_for_file "$NET/split-ready" 20 || { echo "FAIL split server did not start"; exit 1; }

GB_TIMEOUT=60
VALUE="sv-$($PY -c 'import secrets; print(secrets.token_hex(12))')-real-value"
SEC=(--deny-read="$NET" --secret "TOK=$VALUE" --secret-host TOK=127.0.0.2 --allow-net=127.0.0.2)
REC=16384        # TLS plaintext per record
PRE=${#VALUE}    # "Bearer " + this many value bytes end the first record
SPLITS="1 3 4 5 12 $((PRE - 1))"

body() {
	GB_ENV=(SSL_CERT_FILE="$NET/ca.pem")
	local pads=""
	for k in $SPLITS; do pads="$pads $((REC - 7 - k))"; done
	gbrun "${SEC[@]}" -- sh -c 'for n in '"$pads"'; do
		curl -sS -H "Authorization: Bearer $TOK" https://127.0.0.2:'"$TP"'/reflect/$n | tr -d .
		echo; done'
	assert_rc "the echo requests ran" 0
	[ "$(grep -c '^Bearer ' <<<"$OUT")" = 6 ] && ok "  ... six echoes came back" ||
		fail "  ... six echoes came back" "$OUT"
	if [[ "$OUT" != *"$VALUE"* ]]; then ok "an echoed value split across TLS records does not reach the sandbox"; else
		fail "an echoed value split across TLS records does not reach the sandbox" "$(grep -F -- "$VALUE" <<<"$OUT" | head -c 300)"; fi
	# At most the first 3 bytes of a value may precede a split unmasked.
	if [[ "$OUT" != *"${VALUE:3}"* ]]; then ok "  ... nor its rest after a split"; else
		fail "  ... nor its rest after a split" "$(grep -F -- "${VALUE:3}" <<<"$OUT" | head -c 300)"; fi
	assert_contains "  ... masked (a split after 12 bytes: the whole value)" "$OUT" "Bearer $(printf '%*s' "$PRE" '' | tr ' ' '*')"
	gbrun "${SEC[@]}" -- sh -c 'for k in '"$SPLITS"'; do
		curl -sS -m 20 -H "Authorization: Bearer $TOK" http://127.0.0.2:'"$HP"'/split/$k; done'
	assert_rc "the plain HTTP echo requests ran" 0
	[ "$(grep -c '^Bearer ' <<<"$OUT")" = 6 ] && ok "  ... six echoes came back" ||
		fail "  ... six echoes came back" "$OUT"
	if [[ "$OUT" != *"${VALUE:3}"* ]]; then ok "plain HTTP: an echoed value split between two reads does not reach the sandbox"; else
		fail "plain HTTP: an echoed value split between two reads does not reach the sandbox" "$(grep -F -- "${VALUE:3}" <<<"$OUT" | head -c 300)"; fi
	assert_contains "  ... masked (a split after 12 bytes: the whole value)" "$OUT" "Bearer $(printf '%*s' "$PRE" '' | tr ' ' '*')"
	# The held tail must not stall a response: a plain echo still ends.
	gbrun "${SEC[@]}" -- sh -c 'curl -sS -m 20 -H "Authorization: Bearer $TOK" https://127.0.0.2:'"$TP"'/echo; echo "curl=$?"'
	assert_contains "an unsplit request still completes" "$OUT" "curl=0"
}

for_each_user body
finish
