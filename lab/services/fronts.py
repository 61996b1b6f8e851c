#!/usr/bin/env python3
"""Redirecting fronts for the lab: answer matching requests with a redirect (or, for a "CDN",
with files), nothing else.

The world's Kubernetes package repository and registry redirect: pkgs.k8s.io answers 302 to its
CDN host (kubernetes/k8s.io PRs #5518, #5656) and registry.k8s.io answers 307 to every standard
/v2/ request, manifests and blobs (kubernetes/registry.k8s.io cmd/archeio/docs/request-handling.md).
The lab puts such fronts before its repository and its registry so apt, containerd and kinstall
meet the same answers as on the internet.

  fronts.py --log FILE [--cert PEM --key PEM]
            [--front ADDR:PORT STATUS PREFIX TARGET]...   redirect PREFIX* to TARGET*
            [--serve ADDR:PORT PREFIX DIR]...              serve files of DIR under PREFIX
            [--tls ADDR:PORT]...                           that listener speaks HTTPS (--cert/--key)

Rules of one listener are tried in order; the first whose PREFIX starts the path wins (a PREFIX
ending in '$' must equal the path). A redirect's Location is TARGET + the rest of the path (query
included); no match is 404. Every request is logged (listener, client, method, path, status,
Location) to FILE, so tests can show that a client really went through a front. Stdlib only.
"""
import argparse
import http.server
import os
import ssl
import sys
import threading


def matches(prefix: str, path: str) -> str | None:
    """The rest of the path after PREFIX, or None."""
    if prefix.endswith('$'):
        return '' if path == prefix[:-1] else None
    return path[len(prefix):] if path.startswith(prefix) else None


def handler(rules, log):
    class Front(http.server.BaseHTTPRequestHandler):
        # HTTP/1.1 with explicit lengths, so clients may keep the connection open.
        protocol_version = 'HTTP/1.1'

        def answer(self) -> None:
            code, location, body = 404, None, b''
            for kind, prefix, arg1, arg2 in rules:
                rest = matches(prefix, self.path)
                if rest is None:
                    continue
                if kind == 'redirect':
                    code, location = int(arg1), arg2 + rest
                else:
                    code, body = self.file(arg1, rest)
                break
            self.send_response(code)
            if location:
                self.send_header('Location', location)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            if self.command == 'GET':
                self.wfile.write(body)
            log(f'{self.server.server_address[0]}:{self.server.server_address[1]} {self.client_address[0]} '
                f'{self.command} {self.path} {code} {location or "-"}')

        @staticmethod
        def file(root: str, rest: str) -> tuple[int, bytes]:
            rel = rest.split('?', 1)[0]
            path = os.path.realpath(os.path.join(root, rel))
            if not path.startswith(os.path.realpath(root) + os.sep) or not os.path.isfile(path):
                return 404, b''
            with open(path, 'rb') as f:
                return 200, f.read()

        do_GET = do_HEAD = answer

        def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
            pass  # our own log line above says more

    return Front


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--log', required=True)
    parser.add_argument('--cert')
    parser.add_argument('--key')
    parser.add_argument('--front', nargs=4, action='append', default=[], metavar=('ADDR:PORT', 'STATUS', 'PREFIX', 'TARGET'))
    parser.add_argument('--serve', nargs=3, action='append', default=[], metavar=('ADDR:PORT', 'PREFIX', 'DIR'))
    parser.add_argument('--tls', action='append', default=[], metavar='ADDR:PORT')
    args = parser.parse_args()

    out = open(args.log, 'a', buffering=1)
    lock = threading.Lock()

    def log(line: str) -> None:
        with lock:
            out.write(line + '\n')

    listeners: dict[str, list] = {}
    for addr_port, status, prefix, target in args.front:
        listeners.setdefault(addr_port, []).append(('redirect', prefix, status, target))
    for addr_port, prefix, root in args.serve:
        listeners.setdefault(addr_port, []).append(('serve', prefix, root, None))
    context = None
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.cert, args.key)

    servers = []
    for addr_port, rules in listeners.items():
        addr, port = addr_port.rsplit(':', 1)
        server = http.server.ThreadingHTTPServer((addr, int(port)), handler(rules, log))
        server.daemon_threads = True
        if addr_port in args.tls:
            server.socket = context.wrap_socket(server.socket, server_side=True)
        servers.append(server)
        for kind, prefix, a, b in rules:
            log(f'listening on {addr_port}{" (tls)" if addr_port in args.tls else ""}: {prefix}* -> '
                + (f'{a} {b}*' if kind == 'redirect' else f'files of {a}'))
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        servers[0].serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == '__main__':
    main()
