#!/usr/bin/python3
"""tern CLI against a mock tern-server (docs/api.md): the mock answers canned
JSON per the contract, records every request, and serves an SSE stream; each
case checks the request sent, the output and the exit code.

usage: cli_mock_test.py PATH/TO/tern
"""
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TERN = sys.argv[1]
REQUESTS = []
LOCK = threading.Lock()
OBSERVED = threading.Event()

CLIENT = {"endpoint": "dev1", "location": "/rd/1", "lifetime": 300, "binding": "U",
          "lwm2m": "1.2", "queue": False, "address": "127.0.0.1:40000",
          "objects": ["/1/0", "/3/0", "/3303/0"], "registered_at": 1700000000,
          "updated_at": 1700000060}
TEMP = {"code": "2.05", "format": "senml-cbor", "values": [
    {"path": "/3303/0/5700", "type": "float", "value": 21.4},
    {"path": "/3303/0/5701", "type": "string", "value": "Cel"},
    {"path": "/3303/0/5750", "type": "string", "value": "kitchen"}]}

ROUTES = {
    ("GET", "/api/clients"): (200, {"clients": [CLIENT, dict(CLIENT, endpoint="urn:imei:1", queue=True)]}),
    ("GET", "/api/clients/dev1"): (200, CLIENT),
    ("GET", "/api/clients/nope"): (404, {"error": "unknown endpoint"}),
    ("GET", "/api/clients/dev1/3303/0"): (200, TEMP),
    ("GET", "/api/clients/dev1/3/0/13?format=text"): (200, {"code": "2.05", "format": "text", "values": [
        {"path": "/3/0/13", "type": "time", "value": 1700000000}]}),
    ("GET", "/api/clients/dev1/9/0"): (404, {"error": "no such object", "code": "4.04"}),
    ("PUT", "/api/clients/dev1/3303/0/5750"): (200, {"code": "2.04"}),
    ("PUT", "/api/clients/dev1/1/0?mode=update"): (200, {"code": "2.04"}),
    ("PUT", "/api/clients/dev1/3/0/1"): (405, {"error": "not writable", "code": "4.05"}),
    ("POST", "/api/clients/dev1/3/0/4/exec"): (200, {"code": "2.04"}),
    ("POST", "/api/clients/dev1/3303"): (200, {"code": "2.01", "location": "/3303/1"}),
    ("DELETE", "/api/clients/dev1/3303/1"): (200, {"code": "2.02"}),
    ("GET", "/api/clients/dev1/3/0/discover?depth=3"): (200, {"code": "2.05", "links": [
        {"path": "/3/0", "attributes": {}},
        {"path": "/3/0/7", "attributes": {"dim": "2", "pmin": "10"}}]}),
    ("PUT", "/api/clients/dev1/3303/0/5700/attributes?pmin=10&pmax&gt=25.5"): (200, {"code": "2.04"}),
    ("POST", "/api/clients/dev1/composite/read"): (200, TEMP),
    ("POST", "/api/clients/dev1/composite/write"): (200, {"code": "2.04"}),
    ("POST", "/api/clients/dev1/3303/0/5700/observe"): (200, dict(TEMP, id="obs-7", values=TEMP["values"][:1])),
    ("DELETE", "/api/observations/obs-7"): (200, {}),
    ("GET", "/api/bootstrap"): (200, {"configs": [{"endpoint": "dev1", "servers": [{"uri": "coap://127.0.0.1:5683"}]}]}),
    ("GET", "/api/bootstrap/dev1"): (200, {"servers": [{"uri": "coap://127.0.0.1:5683", "ssid": 101,
                                                         "lifetime": 300, "binding": "U", "security": "psk",
                                                         "psk_identity": "dev1"}],
                                           "writes": [{"path": "/3/0/14", "value": "+01"}]}),
    ("PUT", "/api/bootstrap/dev1"): (200, {}),
    ("GET", "/api/bootstrap/sessions"): (200, {"sessions": [{"endpoint": "dev1", "start": 1700000000,
                                                              "end": 1700000002, "success": True, "reason": "",
                                                              "steps": ["delete /", "write /0", "finish"]}]}),
    ("GET", "/api/clients/slow/3/0"): (500, "not json"),
}


def sse(kind, data):
    return ("event: %s\ndata: %s\n\n" % (kind, json.dumps(data))).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def record(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        with LOCK:
            REQUESTS.append({"method": self.command, "path": self.path, "body": body,
                             "auth": self.headers.get("Authorization")})
        return body

    def answer(self):
        self.record()
        if self.command == "POST" and self.path.endswith("/observe"):
            OBSERVED.set()
        if self.path == "/api/events":
            return self.events()
        status, body = ROUTES.get((self.command, self.path), (404, {"error": "no route " + self.path}))
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def events(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        try:
            self.wfile.write(b": hello\n\n")
            self.wfile.write(sse("registration", {"endpoint": "dev1", "address": "127.0.0.1:40000",
                                                  "lifetime": 300, "binding": "U"}))
            # CRLF line ends and a two-line data field, as SSE allows.
            self.wfile.write(b"event: update\r\ndata: {\"endpoint\":\r\ndata: \"dev1\"}\r\n\r\n")
            self.wfile.flush()
            if OBSERVED.wait(3):
                self.wfile.write(sse("notification", {"id": "obs-other", "endpoint": "dev2", "values": []}))
                for v in (21.5, 21.6, 21.7):
                    self.wfile.write(sse("notification", {"id": "obs-7", "endpoint": "dev1", "values": [
                        {"path": "/3303/0/5700", "type": "float", "value": v}]}))
                self.wfile.flush()
            for _ in range(100):  # until the client goes away
                time.sleep(0.1)
                self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    do_GET = do_PUT = do_POST = do_DELETE = answer


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = "http://127.0.0.1:%d" % srv.server_address[1]
    failures = []
    count = 0

    def run(args, rc, out=(), err=(), req=None, body=None, env_url=True, notout=()):
        nonlocal count
        count += 1
        with LOCK:
            REQUESTS.clear()
        OBSERVED.clear()
        env = dict(os.environ)
        env.pop("TERN_TOKEN", None)
        if env_url:
            env["TERN_URL"] = url
        else:
            env.pop("TERN_URL", None)
        try:
            p = subprocess.run([TERN] + args, capture_output=True, text=True, timeout=30, env=env)
        except subprocess.TimeoutExpired:
            failures.append("%s: timed out" % args)
            return
        what = " ".join(args)
        if p.returncode != rc:
            failures.append("%s: exit %d, want %d\nstdout: %s\nstderr: %s" % (what, p.returncode, rc, p.stdout, p.stderr))
        for s in out:
            if s not in p.stdout:
                failures.append("%s: stdout lacks %r\nstdout: %s\nstderr: %s" % (what, s, p.stdout, p.stderr))
        for s in notout:
            if s in p.stdout:
                failures.append("%s: stdout has %r\nstdout: %s" % (what, s, p.stdout))
        for s in err:
            if s not in p.stderr:
                failures.append("%s: stderr lacks %r\nstderr: %s" % (what, s, p.stderr))
        with LOCK:
            reqs = list(REQUESTS)
        if req is not None:
            got = [(r["method"], r["path"]) for r in reqs]
            if got != req:
                failures.append("%s: requests %s, want %s" % (what, got, req))
        if body is not None:
            sent = [r["body"] for r in reqs if r["method"] in ("PUT", "POST")]
            got = json.loads(sent[0]) if sent and sent[0] else None
            if got != body:
                failures.append("%s: body %s, want %s" % (what, got, body))
        return p, reqs

    # usage and help (no request sent)
    run(["--help"], 0, out=["Commands:", "observe EP PATH", "Exit status"], req=[])
    run(["read", "--help"], 0, out=["usage: tern read EP PATH", "Example"], req=[])
    run(["help", "bootstrap", "set"], 0, out=["--psk-identity"], req=[])
    run([], 1, err=["usage: tern"], req=[])
    run(["frobnicate"], 1, err=["unknown command"], req=[])
    run(["read", "dev1"], 1, err=["usage: tern read"], req=[])
    run(["read", "dev1", "/3/zero"], 1, err=["not an LwM2M path"], req=[])
    run(["read", "dev1", "/3/0", "--format", "xml"], 1, err=["unknown content format"], req=[])
    run(["read", "dev1", "/3/0", "--depth", "2"], 1, err=["does not take --depth"], req=[])
    run(["write", "dev1", "/3303/0/5700", "warm"], 1, err=["not a valid float"], req=[])
    run(["write", "dev1", "/3/0/1", "x", "--type", "colour"], 1, err=["unknown type"], req=[])
    run(["attrs", "dev1", "/3/0/7", "speed=3"], 1, err=["unknown attribute"], req=[])
    run(["bootstrap", "set", "dev1"], 1, err=["needs --server"], req=[])
    run(["bootstrap", "set", "dev1", "--server", "coap://x", "--psk-identity", "a"], 1, err=["go together"], req=[])
    run(["observe", "dev1", "/3303/0/5700", "--count", "0"], 1, err=["--count"], req=[])

    # connection failure: nothing listens on the port of a closed socket
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = "http://127.0.0.1:%d" % s.getsockname()[1]
    s.close()
    run(["--url", dead, "clients"], 3, err=["cannot reach tern-server"])

    # reads and listings
    run(["clients"], 0, out=["ENDPOINT", "dev1", "urn:imei:1", "127.0.0.1:40000", "1 3 3303", "yes"],
        req=[("GET", "/api/clients")])
    p, _ = run(["clients", "--json"], 0, req=[("GET", "/api/clients")]) or (None, None)
    if p and json.loads(p.stdout)["clients"][0]["endpoint"] != "dev1":
        failures.append("clients --json: not the server's JSON")
    run(["client", "dev1"], 0, out=["location", "/rd/1", "/3303/0", "Temperature", "2023-11-14 22:13:20Z"],
        req=[("GET", "/api/clients/dev1")])
    run(["client", "nope"], 2, err=["unknown endpoint", "HTTP 404"])
    run(["read", "dev1", "/3303/0"], 0, out=["/3303/0/5700", "Sensor Value", "21.4 Cel", "float",
                                            "Application Type", "kitchen"],
        req=[("GET", "/api/clients/dev1/3303/0")])
    run(["read", "dev1", "3/0/13", "--format", "text"], 0, out=["Current Time", "2023-11-14 22:13:20Z", "time"],
        req=[("GET", "/api/clients/dev1/3/0/13?format=text")])
    run(["read", "dev1", "/9/0"], 2, err=["4.04 Not Found", "no such object"])
    p, _ = run(["--json", "read", "dev1", "/9/0"], 2) or (None, None)
    if p and json.loads(p.stdout).get("code") != "4.04":
        failures.append("read --json error: body not printed")
    run(["read", "slow", "/3/0"], 2, err=["HTTP 500"])
    p, _ = run(["read", "dev1", "/3303/0", "--json"], 0) or (None, None)
    if p and json.loads(p.stdout) != TEMP:
        failures.append("read --json: not the server's JSON unchanged")

    # writes
    run(["write", "dev1", "/3303/0/5750", "hall"], 0, out=["2.04 Changed"],
        req=[("PUT", "/api/clients/dev1/3303/0/5750")],
        body={"values": [{"path": "/3303/0/5750", "value": "hall", "type": "string"}]})
    run(["write", "dev1", "/1/0", "--update", "--json-values", '[{"path":"/1/0/1","value":120}]'], 0,
        req=[("PUT", "/api/clients/dev1/1/0?mode=update")], body={"values": [{"path": "/1/0/1", "value": 120}]})
    run(["write", "dev1", "/3/0/1", "x"], 2, err=["4.05 Method Not Allowed"])
    run(["--token", "s3cret", "exec", "dev1", "/3/0/4"], 0, out=["2.04"],
        req=[("POST", "/api/clients/dev1/3/0/4/exec")])
    with LOCK:
        pass
    _, reqs = run(["exec", "dev1", "/3/0/4", "0='v',1", "--token=tok"], 0) or (None, [])
    if reqs and (json.loads(reqs[0]["body"]) != {"args": "0='v',1"} or reqs[0]["auth"] != "Bearer tok"):
        failures.append("exec args/token: %s" % reqs)
    run(["create", "dev1", "/3303", "5750=hall", "5701=Cel"], 0, out=["2.01 Created /3303/1"],
        req=[("POST", "/api/clients/dev1/3303")],
        body={"values": [{"path": "5750", "value": "hall", "type": "string"},
                         {"path": "5701", "value": "Cel", "type": "string"}]})
    run(["create", "dev1", "/3303/1", "5750=hall"], 0, req=[("POST", "/api/clients/dev1/3303")],
        body={"values": [{"path": "/3303/1/5750", "value": "hall", "type": "string"}]})
    run(["delete", "dev1", "/3303/1"], 0, out=["2.02 Deleted"], req=[("DELETE", "/api/clients/dev1/3303/1")])
    run(["discover", "dev1", "/3/0", "--depth", "3"], 0, out=["/3/0/7", "Power Source Voltage", "dim=2 pmin=10"],
        req=[("GET", "/api/clients/dev1/3/0/discover?depth=3")])
    run(["attrs", "dev1", "/3303/0/5700", "pmin=10", "pmax", "gt=25.5"], 0, out=["2.04"],
        req=[("PUT", "/api/clients/dev1/3303/0/5700/attributes?pmin=10&pmax&gt=25.5")])
    run(["read-composite", "dev1", "/3303/0/5700", "/3303/0/5701", "--format", "senml-json"], 0,
        out=["21.4 Cel"], req=[("POST", "/api/clients/dev1/composite/read")],
        body={"paths": ["/3303/0/5700", "/3303/0/5701"], "format": "senml-json"})
    run(["write-composite", "dev1", "/3/0/14=+02", "/1/0/1=60", "/1/0/6=true"], 0,
        req=[("POST", "/api/clients/dev1/composite/write")],
        body={"values": [{"path": "/3/0/14", "value": "+02", "type": "string"},
                         {"path": "/1/0/1", "value": 60, "type": "integer"},
                         {"path": "/1/0/6", "value": True, "type": "boolean"}]})

    # streams
    run(["events", "--count", "2"], 0, out=["registration", "dev1", "lifetime=300", "update"],
        req=[("GET", "/api/events")])
    p, _ = run(["events", "--count", "2", "--json"], 0) or (None, None)
    if p:
        lines = [json.loads(x) for x in p.stdout.splitlines()]
        if [x["event"] for x in lines] != ["registration", "update"] or lines[1]["data"] != {"endpoint": "dev1"}:
            failures.append("events --json: %s" % p.stdout)
    p, _ = run(["observe", "dev1", "/3303/0/5700", "--count", "2"], 0,
               out=["observing /3303/0/5700", "21.4", "21.5", "21.6", "cancelled"], notout=["21.7", "dev2"],
               req=[("GET", "/api/events"), ("POST", "/api/clients/dev1/3303/0/5700/observe"),
                    ("DELETE", "/api/observations/obs-7")]) or (None, None)
    p, _ = run(["observe", "dev1", "/3303/0/5700", "--count", "2", "--json"], 0) or (None, None)
    if p:
        lines = p.stdout.splitlines()
        if len(lines) != 3 or json.loads(lines[0])["id"] != "obs-7" or json.loads(lines[2])["values"][0]["value"] != 21.6:
            failures.append("observe --json: %s" % p.stdout)

    # bootstrap
    run(["bootstrap", "set", "dev1", "--server", "coaps://127.0.0.1:5684", "--ssid", "101",
         "--psk-identity", "dev1", "--psk-key", "00112233"], 0, out=["stored"],
        req=[("PUT", "/api/bootstrap/dev1")],
        body={"servers": [{"uri": "coaps://127.0.0.1:5684", "ssid": 101, "lifetime": 300, "binding": "U",
                           "security": "psk", "psk_identity": "dev1", "psk_key": "00112233"}]})
    run(["bootstrap", "show", "dev1"], 0, out=["coap://127.0.0.1:5683", "psk", "/3/0/14"],
        notout=["psk_key"], req=[("GET", "/api/bootstrap/dev1")])
    run(["bootstrap", "list"], 0, out=["dev1", "coap://127.0.0.1:5683"], req=[("GET", "/api/bootstrap")])
    run(["bootstrap", "sessions"], 0, out=["dev1", "ok", "3"], req=[("GET", "/api/bootstrap/sessions")])

    srv.shutdown()
    for f in failures:
        print("FAIL", f)
    print("%d cases, %d failures" % (count, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
