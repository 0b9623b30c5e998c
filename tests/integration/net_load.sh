#!/bin/bash
# The egress proxy under load, with real clients inside the sandbox and local
# servers only (net_load_server.py on 127.0.0.1):
#   - a 1 GB download byte-exact (sha256) through plain HTTP forwarding and
#     through a CONNECT tunnel (GB_LOAD_BYTES overrides the size: the ASan
#     build passes a smaller one);
#   - chunked uploads (1-byte chunks, extensions, trailers, 1 MiB chunks, a
#     100 MB curl upload through HTTP and through CONNECT);
#   - 500 CONNECT tunnels held open at once, a download through each (also
#     with an fd limit that leaves most of them without splice pipes);
#   - 10,000 mixed requests (keep-alive, fresh, CONNECT, SOCKS5, refused,
#     clients vanishing mid head or mid tunnel) without the supervisor's fd
#     count growing;
#   - git clone over smart HTTP (git http-backend) through the proxy;
#   - half-close: a client that shuts down its sending side still gets the
#     reply (CONNECT, SOCKS5, HTTP forwarding);
#   - a request refused on a keep-alive connection never reaches the
#     upstream still open from the previous, allowed request.
. "$(dirname "$0")/../lib.sh"

LOAD_BYTES=${GB_LOAD_BYTES:-1000000000}
NET=$TROOT/net
mkdir -p "$NET/git"
chmod 755 "$NET" "$NET/git"

# A repository with some history and a few MB of content, served bare.
SRC=$NET/src
git init -q -b main "$SRC"
(
	cd "$SRC" || exit 1
	export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid \
		GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid
	for i in 1 2 3; do
		head -c 1500000 /dev/urandom >"blob$i.bin"
		seq 1 20000 | sed "s/^/line $i /" >"text$i.txt"
		git add -A && git commit -q -m "commit $i"
	done
) || { echo "FAIL cannot create the test repository"; exit 1; }
git clone -q --bare "$SRC" "$NET/git/repo.git"
git -C "$NET/git/repo.git" update-server-info
chmod -R a+rX "$NET"
REPO_HEAD=$(git -C "$SRC" rev-parse HEAD)
REPO_SUM=$(cat "$SRC"/blob*.bin "$SRC"/text*.txt | sha256sum | cut -d' ' -f1)

bg $PY "$GB_TESTS_DIR/integration/net_load_server.py" "$NET" "$NET/git"
wait_for_file "$NET/ready" 10 || { echo "FAIL test servers did not start"; exit 1; }
read -r HP HC <"$NET/ready"

# The pattern /bytes/N sends, hashed once on the host.
BIG_SUM=$($PY -c "
import hashlib; b=bytes(range(256))*4096; h=hashlib.sha256(); n=$LOAD_BYTES
while n: k=min(n,len(b)); h.update(b[:k]); n-=k
print(h.hexdigest())")
MB=$((LOAD_BYTES / 1000000))

GB_TIMEOUT=120

body() {
	cp "$GB_TESTS_DIR/integration/net_load_client.py" "$W/"
	chown "$CUR_UID:$CUR_UID" "$W/net_load_client.py"
	local U="http://localhost:$HP" CL="$PY $W/net_load_client.py" t0 t1

	# --- big downloads ----------------------------------------------------
	t0=$(date +%s%N)
	gbrun --allow-net=localhost:$HP -- sh -c "curl -sS $U/bytes/$LOAD_BYTES | sha256sum | cut -d' ' -f1"
	t1=$(date +%s%N)
	assert_eq "$MB MB download through HTTP forwarding is byte-exact ($(((t1 - t0) / 1000000)) ms)" "$BIG_SUM" "$OUT"
	t0=$(date +%s%N)
	gbrun --allow-net=localhost:$HP -- sh -c "curl -sS -p -x http://127.0.0.1:3128 $U/bytes/$LOAD_BYTES | sha256sum | cut -d' ' -f1"
	t1=$(date +%s%N)
	assert_eq "$MB MB download through a CONNECT tunnel is byte-exact ($(((t1 - t0) / 1000000)) ms)" "$BIG_SUM" "$OUT"

	# --- chunked uploads ----------------------------------------------------
	gbrun --allow-net=localhost:$HP -- $CL chunked localhost "$HP"
	assert_eq "chunked uploads on one keep-alive connection: tiny, odd and 1 MiB chunks, extensions, trailer" "ok 4" "$OUT"
	local want
	want=$($PY -c "
import hashlib; b=bytes(range(256))*4096; h=hashlib.sha256()
for i in range(100): h.update(b)
print(h.hexdigest())")
	local gen="$PY -c 'import sys; b=bytes(range(256))*4096; [sys.stdout.buffer.write(b) for _ in range(100)]'"
	gbrun --allow-net=localhost:$HP -- sh -c "$gen | curl -sS -T - -H 'Transfer-Encoding: chunked' $U/sha"
	assert_eq "100 MiB chunked upload (curl, HTTP forwarding) arrives byte-exact" "$want" "$OUT"
	gbrun --allow-net=localhost:$HP -- sh -c "$gen | curl -sS -p -x http://127.0.0.1:3128 -T - -H 'Transfer-Encoding: chunked' $U/sha"
	assert_eq "100 MiB chunked upload (curl, CONNECT tunnel) arrives byte-exact" "$want" "$OUT"

	# --- half-close -----------------------------------------------------------
	gbrun --allow-net=localhost:$HC -- $CL halfclose connect localhost "$HC"
	assert_eq "CONNECT: the client half-closes and still gets the reply" ok "$OUT"
	gbrun --allow-net=localhost:$HC -- $CL halfclose socks5 localhost "$HC"
	assert_eq "SOCKS5: the client half-closes and still gets the reply" ok "$OUT"
	gbrun --allow-net=localhost:$HP -- $CL halfclose http localhost "$HP"
	assert_eq "HTTP forwarding: the client half-closes after its request and still gets the response" ok "$OUT"

	# --- a refusal on a keep-alive connection stays in the proxy -------------
	local marks
	marks=$(curl -s --noproxy '*' "http://127.0.0.1:$HP/count")
	gbrun --allow-net=localhost:$HP -- $CL refused_after localhost "$HP"
	sleep 0.3
	assert_eq "keep-alive: allowed request answered, the next one (another host) refused" "200 403" "$OUT"
	assert_eq "... and the refused request never reached the upstream left open by the first" \
		"$marks" "$(curl -s --noproxy '*' "http://127.0.0.1:$HP/count")"

	# --- 500 concurrent tunnels --------------------------------------------
	gbrun --allow-net=localhost:$HP -- $CL concurrent 500 localhost "$HP" 100000
	assert_eq "500 CONNECT tunnels open at once, a download through each, all byte-exact" "ok 500" "$OUT"

	# With few fds the supervisor gives pipes only to the tunnels its fd
	# budget allows (RLIMIT_NOFILE less two sockets per possible
	# connection); the others relay through their buffers.
	LAST_CMD="prlimit --nofile=2200:2200 glassbox ... concurrent 500"
	OUT=$(run_as prlimit --nofile=2200:2200 timeout -k 5 120 "$GB_BIN" --allow-net=localhost:$HP -- \
		$CL concurrent 500 localhost "$HP" 200000 2>&1)
	assert_eq "500 tunnels with an fd limit of 2200: spliced and buffered tunnels, all byte-exact" "ok 500" "$OUT"

	# --- git clone over smart HTTP -------------------------------------------
	gbrun --allow-net=localhost:$HP -- sh -c "git clone -q $U/git/repo.git /tmp/clone &&
		git -C /tmp/clone rev-parse HEAD && git -C /tmp/clone rev-list --count HEAD &&
		cat /tmp/clone/blob*.bin /tmp/clone/text*.txt | sha256sum | cut -d' ' -f1 &&
		git -C /tmp/clone fsck --no-progress 2>&1 && echo fsck-ok"
	assert_eq "git clone over smart HTTP through the proxy (head, history, content, fsck)" \
		"$REPO_HEAD
3
$REPO_SUM
fsck-ok" "$OUT"

	# --- no fd growth after 10,000 requests ----------------------------------
	local m=$W/marks
	mkdir_user "$m"
	run_as timeout 150 "$GB_BIN" --allow-net=localhost:$HP -- sh -c "
		$CL requests 600 localhost $HP >$m/out1; touch $m/a; while [ ! -e $m/go ]; do sleep 0.05; done
		$CL requests 10000 localhost $HP >$m/out2; touch $m/b; while [ ! -e $m/go2 ]; do sleep 0.05; done" &
	BG_PIDS+=($!)
	local gpid="" n1="" n2=""
	if wait_for_file "$m/a" 60; then
		gpid=$(pgrep -n -f "^$GB_BIN --allow-net=localhost:$HP -- sh -c")
		sleep 0.5
		n1=$(ls "/proc/$gpid/fd" | wc -l)
		touch "$m/go"
		t0=$(date +%s%N)
		wait_for_file "$m/b" 120
		t1=$(date +%s%N)
		sleep 0.5 # the last connections' FINs reach the proxy
		[ -e "$m/b" ] && [ -d "/proc/$gpid/fd" ] && n2=$(ls "/proc/$gpid/fd" | wc -l)
		touch "$m/go2"
	fi
	assert_eq "warm-up: 600 mixed requests answered as expected" "fails 0" "$(cat "$m/out1" 2>&1)"
	assert_eq "10000 mixed requests answered as expected ($(((t1 - t0) / 1000000)) ms)" "fails 0" "$(cat "$m/out2" 2>&1)"
	if [ -n "$n1" ] && [ -n "$n2" ] && [ "$n1" -gt 0 ] && [ "$n2" -le "$n1" ]; then
		ok "no fd growth in the supervisor after 10000 requests ($n1 -> $n2 fds)"
	else
		fail "no fd growth in the supervisor after 10000 requests" "fds: '$n1' -> '$n2' (pid '$gpid')"
	fi
}

for_each_user body
finish
