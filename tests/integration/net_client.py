#!/usr/bin/python3
"""Clients run INSIDE the sandbox by the proxy tests (proxy at 127.0.0.1:3128).

net_client.py raw REQUEST_TEXT     send bytes (\\r\\n escapes) to the proxy,
                                   print the status line and body
net_client.py connects N HOST PORT N CONNECT tunnels held open at once, a
                                   GET /hello through each; prints "ok N"
net_client.py loop N HOST PORT     N requests mixing keep-alive, new
                                   connections, CONNECT and refused ones
net_client.py direct HOST PORT     connect() ignoring the proxy; prints
                                   BLOCKED or ESCAPED
"""
import socket
import sys

PROXY = ("127.0.0.1", 3128)


def recv_response(s):
    data = b""
    while b"\r\n\r\n" not in data:
        d = s.recv(65536)
        if not d:
            break
        data += d
    head, _, body = data.partition(b"\r\n\r\n")
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(body) < n:
        d = s.recv(65536)
        if not d:
            break
        body += d
    return head.split(b"\r\n")[0].decode(), body[:n].decode(errors="replace")


def raw(text):
    s = socket.create_connection(PROXY)
    s.sendall(text.encode().decode("unicode_escape").encode("latin-1"))
    status, body = recv_response(s)
    print(status)
    print(body.strip())


def connects(n, host, port):
    socks = []
    for _ in range(n):
        s = socket.create_connection(PROXY)
        s.sendall(("CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host, port, host, port)).encode())
        socks.append(s)
    good = 0
    for s in socks:
        st, _ = recv_response(s)
        if " 200 " not in st + " ":
            print("CONNECT failed:", st)
            continue
        s.sendall(("GET /hello HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host, port)).encode())
    for s in socks:
        st, body = recv_response(s)
        if st.endswith("200 OK") and body == "hello\n":
            good += 1
        s.close()
    print("ok", good)


def loop(n, host, port):
    ka = socket.create_connection(PROXY)
    fails = 0
    for i in range(n):
        k = i % 4
        if k == 0:  # keep-alive
            ka.sendall(("GET http://%s:%d/hello HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host, port, host, port)).encode())
            st, body = recv_response(ka)
            fails += body != "hello\n"
        elif k == 1:  # fresh connection, closed by us
            s = socket.create_connection(PROXY)
            s.sendall(("GET http://%s:%d/hello HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n" % (host, port, host, port)).encode())
            st, body = recv_response(s)
            fails += body != "hello\n"
            s.close()
        elif k == 2:  # CONNECT, closed abruptly mid-tunnel
            s = socket.create_connection(PROXY)
            s.sendall(("CONNECT %s:%d HTTP/1.1\r\n\r\n" % (host, port)).encode())
            st, _ = recv_response(s)
            fails += " 200 " not in st + " "
            s.close()
        else:  # refused
            s = socket.create_connection(PROXY)
            s.sendall(b"GET http://denied.invalid/ HTTP/1.1\r\nHost: denied.invalid\r\n\r\n")
            st, _ = recv_response(s)
            fails += " 403 " not in st + " "
            s.close()
    ka.close()
    print("fails", fails)


def direct(host, port):
    try:
        socket.create_connection((host, port), timeout=3).close()
        print("ESCAPED")
    except OSError as e:
        print("BLOCKED", e.__class__.__name__)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "raw":
        raw(sys.argv[2])
    elif cmd == "connects":
        connects(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    elif cmd == "loop":
        loop(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    elif cmd == "direct":
        direct(sys.argv[2], int(sys.argv[3]))
