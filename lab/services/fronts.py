#!/usr/bin/env python3
"""Redirecting fronts for the lab: answer every matching request with a redirect, serve nothing.

The world's Kubernetes package repository and registry redirect: pkgs.k8s.io answers 302 to its
CDN host (kubernetes/k8s.io PRs #5518, #5656) and registry.k8s.io answers 307 to every standard
/v2/ request, manifests and blobs (kubernetes/registry.k8s.io cmd/archeio/docs/request-handling.md).
The lab puts one of these in front of its repository and its registry so apt, containerd and
kinstall meet the same answers as on the internet.

  fronts.py --log FILE --front ADDR:PORT STATUS PREFIX TARGET [--front ...]

A request whose path starts with PREFIX gets STATUS with Location TARGET + the rest of the path
(query included); any other path gets 404. Every request is logged (front, client, method, path,
answer) to FILE, so tests can show that a client really went through the front. Stdlib only.
"""
import argparse
import http.server
import sys
import threading


def handler(status: int, prefix: str, target: str, log):
    class Front(http.server.BaseHTTPRequestHandler):
        # HTTP/1.1 with an explicit empty body, so clients may keep the connection open.
        protocol_version = 'HTTP/1.1'

        def answer(self) -> None:
            if self.path.startswith(prefix):
                code, location = status, target + self.path[len(prefix):]
            else:
                code, location = 404, None
            self.send_response(code)
            if location:
                self.send_header('Location', location)
            self.send_header('Content-Length', '0')
            self.end_headers()
            log(f'{self.server.server_address[0]}:{self.server.server_address[1]} {self.client_address[0]} '
                f'{self.command} {self.path} {code} {location or "-"}')

        do_GET = do_HEAD = answer

        def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
            pass  # our own log line above says more

    return Front


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--log', required=True)
    parser.add_argument('--front', nargs=4, action='append', required=True,
                        metavar=('ADDR:PORT', 'STATUS', 'PREFIX', 'TARGET'))
    args = parser.parse_args()

    out = open(args.log, 'a', buffering=1)
    lock = threading.Lock()

    def log(line: str) -> None:
        with lock:
            out.write(line + '\n')

    servers = []
    for addr_port, status, prefix, target in args.front:
        addr, port = addr_port.rsplit(':', 1)
        server = http.server.ThreadingHTTPServer((addr, int(port)), handler(int(status), prefix, target, log))
        server.daemon_threads = True
        servers.append(server)
        log(f'listening on {addr_port}: {prefix}* -> {status} {target}*')
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        servers[0].serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == '__main__':
    main()
