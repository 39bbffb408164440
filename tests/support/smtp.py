"""A small real SMTP server on a free port for the mail tests: it can answer, refuse, or hang.

Speaks enough RFC 5321 for smtplib (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) over a real
TCP socket. `mode` is read per connection: "ok" stores the messages, "refuse" answers 421 and
closes, "hang" accepts the connection and never says a word (a server that stopped answering).
"""
from __future__ import annotations

import socketserver
import threading
from email import policy
from email.parser import BytesParser


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: SmtpServer = self.server.owner  # type: ignore[attr-defined]
        if server.mode == "hang":
            server.released.wait(60)
            return
        if server.mode == "refuse":
            self.wfile.write(b"421 4.3.2 try again later\r\n")
            return
        self.wfile.write(b"220 test ESMTP\r\n")
        data = None
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if data is not None:
                if line == b".\r\n":
                    server.received.append(BytesParser(policy=policy.default).parsebytes(
                        b"".join(data)))
                    data = None
                    self.wfile.write(b"250 2.0.0 queued\r\n")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.wfile.write(b"250-test\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                data = []
                self.wfile.write(b"354 go on\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                self.wfile.write(b"250 ok\r\n")


class _Threaded(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpServer:
    """Start with `start()`, read `port` and `received`, switch `mode`, `stop()` at the end."""

    def __init__(self, mode: str = "ok") -> None:
        self.mode = mode
        self.received: list = []
        self.released = threading.Event()
        self._server = _Threaded(("127.0.0.1", 0), _Handler)
        self._server.owner = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]

    def start(self) -> "SmtpServer":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
