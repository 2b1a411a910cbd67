"""A small SMTP server on loopback for the fault tests: it keeps what it receives, and can
refuse an address (550), stall before its greeting (a server that accepts the connection
and never answers), hold its answer to DATA after keeping the message (the moment a worker
may die between the server's acceptance and its own record), go down and come back."""

import socket
import socketserver
import threading
import time
from email import message_from_bytes, policy


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    def __init__(self):
        self.port = free_port()
        self.received: list[tuple[str, str, str]] = []  # (recipient, Message-ID, Subject)
        self.messages: list = []  # each email as parsed (email.message.EmailMessage)
        self.refuse: set[str] = set()
        self.stall_greeting = False
        self.hold_data_reply = False
        self.held = 0  # answers to DATA held, each after keeping the message
        self._server = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                try:
                    sink._converse(self)
                except OSError:  # the client died (a killed worker)
                    pass

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Go down: new connections are refused."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _converse(self, stream) -> None:
        while self.stall_greeting and self._server:
            time.sleep(0.05)
        write = stream.wfile.write
        write(b"220 sink ESMTP\r\n")
        recipients: list[str] = []
        while True:
            line = stream.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                write(b"250 sink\r\n")
            elif verb == "MAIL":
                recipients = []
                write(b"250 OK\r\n")
            elif verb == "RCPT":
                address = command.split(":", 1)[1].strip().strip("<>")
                if address in self.refuse:
                    write(b"550 5.1.1 Mailbox unavailable\r\n")
                else:
                    recipients.append(address)
                    write(b"250 OK\r\n")
            elif verb == "DATA":
                write(b"354 Go ahead\r\n")
                self._keep(stream.rfile, recipients)
                if self.hold_data_reply:
                    self.held += 1
                    while self.hold_data_reply:
                        time.sleep(0.05)
                write(b"250 Queued\r\n")
            elif verb == "QUIT":
                write(b"221 Bye\r\n")
                return
            else:  # RSET, NOOP
                write(b"250 OK\r\n")

    def _keep(self, rfile, recipients) -> None:
        lines = []
        while (line := rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        message = message_from_bytes(b"".join(lines), policy=policy.default)
        with self._lock:
            self.messages.append(message)
            for recipient in recipients:
                self.received.append((recipient, message["Message-ID"], message["Subject"]))

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self.messages.clear()
        self.refuse, self.stall_greeting, self.hold_data_reply, self.held = set(), False, False, 0

    def message_ids(self) -> list[str]:
        with self._lock:
            return [ident for _, ident, _ in self.received]

    def figures(self, expected: set[str]) -> dict:
        """Against the Message-IDs expected: received, duplicates (a second copy of an
        expected Message-ID), unexpected (a copy under another Message-ID), lost."""
        received = self.message_ids()
        return {
            "expected": len(expected),
            "received": len(received),
            "duplicates": len(received) - len(set(received)),
            "unexpected": len(set(received) - expected),
            "lost": len(expected - set(received)),
        }
