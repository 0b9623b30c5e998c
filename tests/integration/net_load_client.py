#!/usr/bin/python3
"""Clients run INSIDE the sandbox by the proxy load test (proxy 127.0.0.1:3128).

net_load_client.py concurrent N HOST PORT SIZE
    N CONNECT tunnels opened at once (asyncio), all established before any
    is used; then through every one at once a GET /bytes/(SIZE + i) checked
    byte for byte. Prints "ok N" or what went wrong.
net_load_client.py requests N HOST PORT
    N requests from 8 threads, mixing keep-alive, fresh connections,
    CONNECT tunnels, refused requests, SOCKS5 and clients that vanish mid
    head or mid tunnel (with a reset, or after half-closing: the proxy's
    next write into them fails with EPIPE). Prints "fails F".
net_load_client.py chunked HOST PORT
    chunked uploads through HTTP forwarding on one keep-alive connection:
    1-byte chunks, chunk extensions and trailers, chunks of up to 1 MiB
    (20 MB in all); each compared with the sha256 the server computed.
    Prints "ok K" for K uploads that arrived intact.
net_load_client.py refused_after HOST PORT
    on one keep-alive connection: an allowed GET, then a GET of
    http://denied.invalid/mark (refused); prints both status codes. The
    refused request must not reach the upstream left open by the first.
net_load_client.py halfclose MODE HOST PORT
    MODE connect|socks5: a tunnel to the half-close server; sends 1 MB,
    shuts down its sending side, then must still read "got 1000000 SHA".
    MODE http: a POST /sha forwarded as HTTP, then shutdown(SHUT_WR); the
    response must still arrive. Prints "ok" or what went wrong.
"""
import asyncio
import hashlib
import http.client
import resource
import socket
import struct
import sys
import threading

PROXY = ("127.0.0.1", 3128)
PATTERN = bytes(range(256))


def pattern(n):
    return (PATTERN * (n // 256 + 1))[:n]


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def read_head(s, data=b""):
    while b"\r\n\r\n" not in data:
        d = s.recv(65536)
        if not d:
            return None, data
        data += d
    head, _, rest = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def read_response(s):
    """(status line, body) of a Content-Length response."""
    head, body = read_head(s)
    if head is None:
        return None, b""
    n = 0
    for line in head.split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            n = int(v)
    while len(body) < n:
        d = s.recv(65536)
        if not d:
            break
        body += d
    return head.split("\r\n")[0], body[:n]


# ---- concurrent tunnels -----------------------------------------------------

async def open_tunnel(host, port):
    r, w = await asyncio.open_connection(*PROXY)
    w.write(b"CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host.encode(), port,
                                                               host.encode(), port))
    head = await r.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n")[0] + b" ":
        raise RuntimeError("CONNECT: " + head.split(b"\r\n")[0].decode(errors="replace"))
    return r, w


async def fetch(rw, host, port, n):
    r, w = rw
    w.write(b"GET /bytes/%d HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n" %
            (n, host.encode(), port))
    head = await r.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError("GET: " + head.split(b"\r\n")[0].decode(errors="replace"))
    body = await r.readexactly(n)
    w.close()
    if body != pattern(n):
        raise RuntimeError("body of %d bytes differs" % n)
    return True


async def concurrent_main(n, host, port, size):
    tunnels = await asyncio.gather(*[open_tunnel(host, port) for _ in range(n)],
                                   return_exceptions=True)
    errs = [t for t in tunnels if isinstance(t, BaseException)]
    if errs:
        return "tunnels failed: %d, first: %r" % (len(errs), errs[0])
    res = await asyncio.gather(*[fetch(t, host, port, size + i) for i, t in enumerate(tunnels)],
                               return_exceptions=True)
    errs = [x for x in res if x is not True]
    if errs:
        return "transfers failed: %d, first: %r" % (len(errs), errs[0])
    return "ok %d" % n


def concurrent(n, host, port, size):
    raise_nofile()
    print(asyncio.run(concurrent_main(n, host, port, size)))


# ---- many requests ------------------------------------------------------------

def one_request(kind, host, port, ka):
    hp = b"%s:%d" % (host.encode(), port)
    get = b"GET http://%s/hello HTTP/1.1\r\nHost: %s\r\n\r\n" % (hp, hp)
    if kind == 0:  # keep-alive
        ka.sendall(get)
        st, body = read_response(ka)
        return body == b"hello\n"
    if kind == 4:  # SOCKS5 with a name
        s = socket.create_connection(PROXY)
        s.sendall(b"\x05\x01\x00")
        if s.recv(2) != b"\x05\x00":
            return False
        s.sendall(b"\x05\x01\x00\x03" + bytes([len(host)]) + host.encode() + struct.pack(">H", port))
        rep = s.recv(10)
        s.sendall(b"GET /hello HTTP/1.1\r\nHost: %s\r\n\r\n" % hp)
        st, body = read_response(s)
        s.close()
        return rep[:2] == b"\x05\x00" and body == b"hello\n"
    s = socket.create_connection(PROXY)
    try:
        if kind == 1:  # fresh connection
            s.sendall(get.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
            st, body = read_response(s)
            return body == b"hello\n"
        if kind == 2:  # CONNECT, one request inside, closed by us
            s.sendall(b"CONNECT %s HTTP/1.1\r\n\r\n" % hp)
            head, _ = read_head(s)
            s.sendall(b"GET /hello HTTP/1.1\r\nHost: %s\r\n\r\n" % hp)
            st, body = read_response(s)
            return head is not None and " 200 " in head + " " and body == b"hello\n"
        if kind == 3:  # refused
            s.sendall(b"GET http://denied.invalid/ HTTP/1.1\r\nHost: denied.invalid\r\n\r\n")
            st, _ = read_response(s)
            return st is not None and " 403 " in st + " "
        if kind == 5:  # vanishes mid head
            s.sendall(b"GET http://%s/hello HTTP/1.1\r\nHo" % hp)
            return True
        if kind == 6:  # vanishes mid tunnel, with bytes in flight both ways
            s.sendall(b"CONNECT %s HTTP/1.1\r\n\r\n" % hp)
            read_head(s)
            s.sendall(b"GET /bytes/300000 HTTP/1.1\r\nHost: %s\r\n\r\n" % hp)
            s.recv(1000)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return True  # the RST above is the point
        if kind == 7:  # half-closes, then vanishes while a download flows
            s.sendall(b"CONNECT %s HTTP/1.1\r\n\r\n" % hp)
            read_head(s)
            s.sendall(b"GET /bytes/5000000 HTTP/1.1\r\nHost: %s\r\n\r\n" % hp)
            s.shutdown(socket.SHUT_WR)
            s.recv(1000)
            return True  # closing with unread data sends RST: the proxy's
                         # next splice into it fails with EPIPE (SIGPIPE)
        return False
    finally:
        s.close()


def requests(n, host, port):
    raise_nofile()
    kinds = [0, 0, 0, 1, 1, 2, 2, 3, 4, 5, 6, 7]
    fails = [0]
    lock = threading.Lock()

    def worker(count, offset):
        ka = socket.create_connection(PROXY)
        bad = 0
        for i in range(count):
            try:
                ok = one_request(kinds[(i + offset) % len(kinds)], host, port, ka)
            except OSError:
                ok = False
            bad += not ok
        ka.close()
        with lock:
            fails[0] += bad

    ts = [threading.Thread(target=worker, args=(n // 8 + (k < n % 8), k)) for k in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("fails", fails[0])


# ---- chunked uploads ------------------------------------------------------------

def chunked(host, port):
    uploads = []
    uploads.append([b"x"] * 5000)                                  # 1-byte chunks
    uploads.append([pattern(n) for n in (1, 7, 4096, 65535, 65536, 65537, 1 << 20)] * 4)
    big = [(PATTERN * 4096)[:(1 << 20) - k] for k in range(18)]    # ~18 MB, odd sizes
    uploads.append(big)
    c = http.client.HTTPConnection(*PROXY, timeout=60)
    good = 0
    for i, chunks in enumerate(uploads):
        want = hashlib.sha256(b"".join(chunks)).hexdigest()
        c.request("POST", "http://%s:%d/sha" % (host, port), body=iter(chunks),
                  headers={"Host": "%s:%d" % (host, port)}, encode_chunked=True)
        r = c.getresponse()
        got = r.read().decode().strip()
        if r.status == 200 and got == want:
            good += 1
        else:
            print("upload %d: status %d, sha %s, want %s" % (i, r.status, got, want))
    # extensions and a trailer, written by hand (http.client sends neither)
    s = socket.create_connection(PROXY)
    body = (b"5;name=value\r\nhello\r\n6 ; x=\"y\"\r\n world\r\n0\r\n"
            b"X-Trailer: yes\r\n\r\n")
    s.sendall(b"POST http://%s:%d/sha HTTP/1.1\r\nHost: %s:%d\r\nTransfer-Encoding: chunked"
              b"\r\n\r\n" % (host.encode(), port, host.encode(), port) + body)
    st, got = read_response(s)
    if got.decode().strip() == hashlib.sha256(b"hello world").hexdigest():
        good += 1
    else:
        print("extensions and trailer:", st, got[:200])
    s.close()
    print("ok", good)


def refused_after(host, port):
    s = socket.create_connection(PROXY)
    hp = b"%s:%d" % (host.encode(), port)
    s.sendall(b"GET http://%s/hello HTTP/1.1\r\nHost: %s\r\n\r\n" % (hp, hp))
    st1, _ = read_response(s)
    s.sendall(b"GET http://denied.invalid/mark HTTP/1.1\r\nHost: denied.invalid\r\n\r\n")
    st2, _ = read_response(s)
    s.settimeout(5)
    try:
        while s.recv(65536):  # the proxy closes after a refusal
            pass
    except OSError:
        pass
    print(st1.split()[1] if st1 else "-", st2.split()[1] if st2 else "-")


# ---- half-close -------------------------------------------------------------------

def halfclose(mode, host, port):
    s = socket.create_connection(PROXY)
    data = pattern(1000000)
    if mode == "connect":
        s.sendall(b"CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host.encode(), port,
                                                                      host.encode(), port))
        head, rest = read_head(s)
        if head is None or " 200 " not in head.split("\r\n")[0] + " ":
            print("CONNECT failed:", head)
            return
    elif mode == "socks5":
        s.sendall(b"\x05\x01\x00")
        s.recv(2)
        s.sendall(b"\x05\x01\x00\x03" + bytes([len(host)]) + host.encode() + struct.pack(">H", port))
        if s.recv(10)[:2] != b"\x05\x00":
            print("SOCKS5 failed")
            return
    else:
        s.sendall(b"POST http://%s:%d/sha HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: %d\r\n"
                  b"Connection: close\r\n\r\n" % (host.encode(), port, host.encode(), port,
                                                  len(data)))
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    reply = b""
    s.settimeout(20)
    while True:
        d = s.recv(65536)
        if not d:
            break
        reply += d
    want = hashlib.sha256(data).hexdigest().encode()
    if mode == "http":
        ok = reply.startswith(b"HTTP/1.1 200") and reply.rstrip().endswith(want)
    else:
        ok = reply == b"got %d %s\n" % (len(data), want)
    print("ok" if ok else "bad reply: %r" % reply[-200:])


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "concurrent":
        concurrent(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif cmd == "requests":
        requests(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    elif cmd == "chunked":
        chunked(sys.argv[2], int(sys.argv[3]))
    elif cmd == "refused_after":
        refused_after(sys.argv[2], int(sys.argv[3]))
    elif cmd == "halfclose":
        halfclose(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit("unknown command " + cmd)
