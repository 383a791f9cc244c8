#!/usr/bin/python3
"""tern CLI end to end: tern-server (memory store, token required) and a
tern-client device on 127.0.0.1 with ports chosen at run time; the CLI lists
the client, reads, writes, sets attributes and observes with --count 2.

usage: cli_server_test.py TERN TERN_SERVER TERN_CLIENT
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

TERN, SERVER, CLIENT = sys.argv[1:4]
EP = "cli-e2e-dev"


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    http_port = free_port(socket.SOCK_STREAM)
    coap_port = free_port(socket.SOCK_DGRAM)
    procs = []
    failures = []
    with tempfile.TemporaryDirectory() as state:
        env = dict(os.environ, TERN_URL="http://127.0.0.1:%d" % http_port, TERN_TOKEN="s3cret")
        try:
            procs.append(subprocess.Popen(
                [SERVER, "--coap", "127.0.0.1:%d" % coap_port, "--no-bootstrap",
                 "--http", "127.0.0.1:%d" % http_port, "--state-dir", state, "--store", "memory",
                 "--token", "s3cret", "--require-token"],
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(state, "server.log"), "w")))
            procs.append(subprocess.Popen(
                [CLIENT, "--server", "coap://127.0.0.1:%d" % coap_port, "--endpoint", EP,
                 "--bind", "127.0.0.1", "--lifetime", "60", "--exit-after", "120"],
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(state, "client.log"), "w")))

            def tern(args, rc=0, out=(), token=True):
                e = dict(env) if token else {k: v for k, v in env.items() if k != "TERN_TOKEN"}
                try:
                    p = subprocess.run([TERN] + args, capture_output=True, text=True, timeout=25, env=e)
                except subprocess.TimeoutExpired:
                    failures.append("%s: timed out" % args)
                    return None
                if p.returncode != rc:
                    failures.append("%s: exit %d, want %d\n%s%s" % (args, p.returncode, rc, p.stdout, p.stderr))
                for s in out:
                    if s not in p.stdout:
                        failures.append("%s: stdout lacks %r\n%s%s" % (args, s, p.stdout, p.stderr))
                return p

            # Wait for the registration (the server may still be starting).
            deadline = time.time() + 30
            while time.time() < deadline:
                p = subprocess.run([TERN, "--json", "clients"], capture_output=True, text=True, timeout=20, env=env)
                if p.returncode == 0 and EP in [c.get("endpoint") for c in json.loads(p.stdout).get("clients", [])]:
                    break
                time.sleep(0.3)
            else:
                failures.append("client never registered")
                raise SystemExit

            tern(["clients"], out=["ENDPOINT", EP, "3303"])
            tern(["clients"], rc=2, token=False)  # --require-token: 401
            tern(["client", EP], out=["/3303/0", "Temperature"])
            tern(["read", EP, "/3/0"], out=["/3/0/0", "Manufacturer"])
            tern(["read", EP, "/3303/0/5700"], out=["Sensor Value", "float"])
            tern(["write", EP, "/1/0/1", "120"], out=["2.04"])
            tern(["read", EP, "/1/0/1", "--format", "text"], out=["Lifetime", "120 s"])
            tern(["read", EP, "/3303/9"], rc=2)
            # Write-Attributes and Observe against the real client
            tern(["attrs", EP, "/3303/0/5700", "pmin=1", "pmax=1"], out=["2.04"])
            p = tern(["observe", EP, "/3303/0/5700", "--count", "2", "--json"])
            if p and p.returncode == 0:
                lines = p.stdout.splitlines()
                if len(lines) != 3:
                    failures.append("observe --json: want the answer + 2 notifications:\n" + p.stdout)
            tern(["observe", EP, "/3303/0/5700", "--count", "2"], out=["observing", "cancelled"])
        except SystemExit:
            pass
        finally:
            for pr in procs:
                pr.terminate()
            for pr in procs:
                try:
                    pr.wait(10)
                except subprocess.TimeoutExpired:
                    pr.kill()
            if failures:
                for name in ("server.log", "client.log"):
                    try:
                        print("---", name, open(os.path.join(state, name)).read()[-3000:])
                    except OSError:
                        pass
    for f in failures:
        print("FAIL", f)
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
