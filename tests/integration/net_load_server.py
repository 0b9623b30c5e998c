#!/usr/bin/python3
"""Local servers for the proxy load test (never the internet).

net_load_server.py DIR GIT_ROOT
  Binds 127.0.0.1 on free ports and writes "HTTP_PORT HALFCLOSE_PORT" to
  DIR/ready once both listen.

  HTTP/1.1 (keep-alive, a thread per connection) on HTTP_PORT:
    everything net_server.py answers (/hello, /bytes/N streamed from one
    64 KiB block, /chunked/N, POST|PUT /sha), and
    /git/...   git's smart HTTP protocol: git http-backend run as a CGI on
               the bare repositories under GIT_ROOT
    /mark      counts the requests that reached it; /count tells how many
  Raw TCP on HALFCLOSE_PORT: reads until the client shuts down its sending
  side, then answers "got N SHA256HEX\\n" and closes. A proxy that drops the
  reply direction when the client half-closes fails this.
"""
import hashlib
import os
import socket
import socketserver
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import net_server  # noqa: E402

GIT_ROOT = None
MARKS = [0]


class Handler(net_server.Handler):
    def git(self):
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self.read_chunked()
        else:
            body = self.rfile.read(length) if length else b""
        env = {
            "PATH": "/usr/bin:/bin",
            "GIT_PROJECT_ROOT": GIT_ROOT,
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": path[len("/git"):],
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": "127.0.0.1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        r = subprocess.run(["git", "http-backend"], input=body, env=env,
                           capture_output=True, check=False)
        head, _, out = r.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, out = r.stdout.partition(b"\n\n")
        status = 200
        headers = []
        for line in head.decode("latin-1").splitlines():
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers.append((k, v.strip()))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def read_chunked(self):
        data = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return data
            data += self.rfile.read(size)
            self.rfile.readline()

    def do_GET(self):
        if self.path.startswith("/git/"):
            self.git()
        elif self.path == "/mark":
            MARKS[0] += 1
            self.send_text("marked\n")
        elif self.path == "/count":
            self.send_text("%d\n" % MARKS[0])
        else:
            super().do_GET()

    def do_POST(self):
        if self.path.startswith("/git/"):
            self.git()
        else:
            super().do_POST()

    do_PUT = do_POST


def halfclose_conn(s):
    h = hashlib.sha256()
    n = 0
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            h.update(d)
            n += len(d)
        s.sendall(b"got %d %s\n" % (n, h.hexdigest().encode()))
    except OSError:
        pass
    finally:
        s.close()


def halfclose_server(ls):
    while True:
        s, _ = ls.accept()
        threading.Thread(target=halfclose_conn, args=(s,), daemon=True).start()


class Server(socketserver.ThreadingMixIn, net_server.http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # Clients that vanish mid-transfer are part of the test.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def main():
    global GIT_ROOT
    d, GIT_ROOT = sys.argv[1], sys.argv[2]
    http = Server(("127.0.0.1", 0), Handler)
    hc = socket.socket()
    hc.bind(("127.0.0.1", 0))
    hc.listen(128)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    threading.Thread(target=halfclose_server, args=(hc,), daemon=True).start()
    with open(d + "/ready.tmp", "w") as f:
        f.write("%d %d\n" % (http.server_address[1], hc.getsockname()[1]))
    os.rename(d + "/ready.tmp", d + "/ready")
    threading.Event().wait()


if __name__ == "__main__":
    main()
