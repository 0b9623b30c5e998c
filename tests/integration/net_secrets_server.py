#!/usr/bin/python3
"""Echo servers for the secrets test (local addresses only).

net_secrets_server.py DIR SPEC...
  SPEC is http:ADDR:PORT or https:ADDR:PORT:CERT:KEY. Writes DIR/ready once
  all listen. Every request is appended to DIR/seen.log (method, path and
  headers as received: DIR must be hidden from the sandbox). The response
  tells the client only what it may know:
    GET /echo    "auth-sha256=<sha256 of the Authorization value>
                  placeholder=<yes|no> x-body-sha256=<sha256 of the body>"
    GET /hello   "hello"
    GET /bytes/N N bytes of bytes(range(256)) repeated, streamed
    GET /reflect/N  N bytes of padding, then the Authorization value (a
                 careless API echoing a credential); also in X-Echo
"""
import hashlib
import http.server
import socketserver
import ssl
import sys
import threading

DIR = sys.argv[1]
LOCK = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def handle_any(self):
        n = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(n) if n else b""
        shown = body[:4096].decode(errors="replace")
        with LOCK, open(DIR + "/seen.log", "a") as f:
            f.write("%s %s %s\n%s\nbody=%s\n" % (self.server.name, self.command, self.path,
                                                 str(self.headers).strip(), shown))
        if self.path.startswith("/bytes/"):
            left = int(self.path[7:])
            self.send_response(200)
            self.send_header("Content-Length", str(left))
            self.end_headers()
            block = bytes(range(256)) * 256
            while left:
                k = min(left, len(block))
                self.wfile.write(block[:k])
                left -= k
            return
        if self.path.startswith("/reflect/"):
            auth = self.headers.get("Authorization", "")
            data = b"." * int(self.path[9:]) + auth.encode() + b"\n"
            self.send_response(200)
            self.send_header("X-Echo", auth)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if self.path == "/hello":
            text = "hello\n"
        else:
            auth = self.headers.get("Authorization", "")
            text = "auth-sha256=%s placeholder=%s body-sha256=%s\n" % (
                hashlib.sha256(auth.encode()).hexdigest(),
                "yes" if "GLASSBOX_SECRET_" in auth else "no",
                hashlib.sha256(body).hexdigest())
        data = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def start(spec):
    parts = spec.split(":")
    kind, addr, port = parts[0], parts[1], int(parts[2])
    srv = Server((addr, port), Handler)
    srv.name = "%s:%s:%d" % (kind, addr, port)
    if kind == "https":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(parts[3], parts[4])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()


for s in sys.argv[2:]:
    start(s)
open(DIR + "/ready", "w").close()
threading.Event().wait()
