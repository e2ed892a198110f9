"""Serves the worklet test page and records its verdict.

Usage: python3 serve.py <root> <port-file> <result-file>. Binds a free loopback port, writes it
to <port-file>, serves <root> (the page, pkg/ and js/) and writes the text of the page's
`GET /report?result=...` to <result-file>. Runs until killed.
"""

import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

ROOT, PORT_FILE, RESULT_FILE = sys.argv[1:4]


class Handler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".wasm": "application/wasm"}

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/report":
            return super().do_GET()
        result = parse_qs(url.query).get("result", [""])[0]
        with open(RESULT_FILE, "w", encoding="utf-8") as f:
            f.write(result + "\n")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=ROOT))
with open(PORT_FILE + ".tmp", "w", encoding="utf-8") as f:
    f.write(str(server.server_address[1]))
__import__("os").replace(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
