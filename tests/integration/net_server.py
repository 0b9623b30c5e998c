#!/usr/bin/python3
"""Local test servers for the proxy tests (never the internet).

net_server.py DIR ADDR HTTP_PORT TLS_PORT
  HTTP/1.1 (keep-alive) on ADDR:HTTP_PORT and the same over TLS on
  ADDR:TLS_PORT with DIR/server.pem + DIR/server.key. Writes DIR/ready once
  both listen.
  GET  /hello         "hello\\n"
  GET  /host          the Host header it received
  GET  /bytes/N       N bytes of a fixed pattern (Content-Length)
  GET  /chunked/N     N bytes, chunked
  POST|PUT /sha       sha256 hex of the body (Content-Length or chunked)
"""
import hashlib
import http.server
import socketserver
import ssl
import sys
import threading

BLOCK = bytes(range(256)) * 256  # 64 KiB


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send_text(self, text, code=200):
        data = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        p = self.path
        if p == "/hello":
            self.send_text("hello\n")
        elif p == "/host":
            self.send_text(self.headers.get("Host", "") + "\n")
        elif p.startswith("/bytes/") or p.startswith("/chunked/"):
            n = int(p.rsplit("/", 1)[1])
            chunked = p.startswith("/chunked/")
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(n))
            self.end_headers()
            left = n
            while left:
                b = BLOCK[: min(left, len(BLOCK))]
                if chunked:
                    self.wfile.write(b"%x\r\n" % len(b) + b + b"\r\n")
                else:
                    self.wfile.write(b)
                left -= len(b)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_text("not found\n", 404)

    def read_body(self):
        h = hashlib.sha256()
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                left = size
                while left:
                    d = self.rfile.read(min(left, 65536))
                    h.update(d)
                    left -= len(d)
                self.rfile.readline()
        else:
            left = int(self.headers.get("Content-Length", "0"))
            while left:
                d = self.rfile.read(min(left, 65536))
                if not d:
                    break
                h.update(d)
                left -= len(d)
        return h.hexdigest()

    def do_POST(self):
        if self.path == "/sha":
            self.send_text(self.read_body() + "\n")
        else:
            self.send_text("not found\n", 404)

    do_PUT = do_POST


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True


def main():
    d, addr, hp, tp = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    plain = Server((addr, hp), Handler)
    tls = Server((addr, tp), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(d + "/server.pem", d + "/server.key")
    tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
    for s in (plain, tls):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    open(d + "/ready", "w").close()
    threading.Event().wait()


if __name__ == "__main__":
    main()
