"""Real processes for the web and metrics tests: redis-server, hotdesk-server,
hotdesk-featurecodes and hotdesk-web on free loopback ports, stopped by PID."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout=20.0, step=0.05, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = pred()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


class Proc:
    def __init__(self, name, argv, workdir, env=None):
        self.name = name
        self.argv = list(argv)
        self.out_path = os.path.join(workdir, name + ".out")
        self.err_path = os.path.join(workdir, name + ".err")
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.p = subprocess.Popen(argv, stdout=out, stderr=err, env={**os.environ, **(env or {})})

    def line(self, needle, timeout=20.0):
        def find():
            if self.p.poll() is not None:
                with open(self.err_path) as f:
                    raise AssertionError(f"{self.name} exited: {f.read()[-2000:]}")
            with open(self.out_path) as f:
                for line in f:
                    if needle in line:
                        return line.strip()
            return None
        return wait_for(find, timeout, what=f"{self.name}: {needle}")

    def port(self, needle):
        return int(self.line(needle).rsplit(" ", 1)[1])

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def http(method, url, body=None, headers=None, timeout=10):
    """Returns (status, parsed JSON or text)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    try:
        return status, json.loads(text) if text else {}
    except ValueError:
        return status, text


class Stack:
    """redis-server + hotdesk-server + hotdesk-featurecodes (tenant acme) + hotdesk-web, with
    authentication on as in production: a signing key made for the stack, the server checking
    tokens against its public half, hotdesk-featurecodes on its own token (operator,
    FEATURE_CODE) and taking the PBX's token (self.pbx_headers), hotdeskctl and api() sending an
    admin token unless told otherwise."""

    def __init__(self, bin_dir, tenant="acme", web_flags=()):
        self.bin = bin_dir
        self.tenant = tenant
        self.dir = tempfile.mkdtemp(prefix="hotdesk-web-")
        self.procs = []
        try:
            self._start(web_flags)
        except BaseException:
            self.stop()
            raise

    def binary(self, rel):
        return os.path.join(self.bin, rel)

    def token(self, role, source=None, subject=None, tenants=None):
        """A token signed with the stack's key (valid for an hour)."""
        argv = [self.binary("services/cli/hotdeskctl"), "token", "--signing_key", self.signing_key,
                "--role", role, "--tenants", tenants or self.tenant,
                "--subject", subject or f"test-{role}", "--ttl", "1h"]
        if source:
            argv += ["--token_source", source]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise AssertionError(f"hotdeskctl token: {r.stdout}{r.stderr}")
        return r.stdout.strip()

    def _write_token(self, name, token):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(token + "\n")
        return path

    def _start(self, web_flags):
        self.signing_key = os.path.join(self.dir, "signing.key")
        self.public_key = os.path.join(self.dir, "signing.pub")
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-out", self.signing_key], check=True,
                       capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", self.signing_key, "-pubout", "-out",
                        self.public_key], check=True, capture_output=True)
        self.admin_token = self.token("admin")
        self.pbx_headers = {"Authorization": "Bearer " + self.token("agent", subject="test-pbx")}
        self.redis_port = free_port()
        os.makedirs(os.path.join(self.dir, "redis"))
        self.redis = Proc("redis", ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                                    "--save", "", "--appendonly", "no",
                                    "--dir", os.path.join(self.dir, "redis")], self.dir)
        self.procs.append(self.redis)
        wait_for(lambda: self.redis_cli("PING") == "PONG", what="redis PING")

        self.server_metrics = free_port()
        self.server = Proc("server", [self.binary("services/server/hotdesk-server"), "--listen=127.0.0.1:0",
                                      f"--auth_keys={self.public_key}",
                                      f"--redis_addr=127.0.0.1:{self.redis_port}",
                                      f"--metrics_listen=127.0.0.1:{self.server_metrics}",
                                      "--pin_hash_cost=min"], self.dir)
        self.procs.append(self.server)
        self.grpc = f"127.0.0.1:{self.server.port('listening on port')}"
        wait_for(lambda: self.ctl("health", check=False).returncode == 0, what="server SERVING")

        self.fc_metrics = free_port()
        self.fc = Proc("featurecodes", [self.binary("adapters/featurecodes/hotdesk-featurecodes"),
                                        f"--server={self.grpc}", f"--tenant={self.tenant}",
                                        "--listen=127.0.0.1:0", "--http_listen=127.0.0.1:0",
                                        f"--metrics_listen=127.0.0.1:{self.fc_metrics}",
                                        "--dialplan=3cx",
                                        "--core_token_file=" + self._write_token(
                                            "featurecodes.token",
                                            self.token("operator", "FEATURE_CODE", "test-fc")),
                                        f"--pbx_auth_keys={self.public_key}",
                                        # the console's profile preview fetches from here
                                        "--provisioning_allow_networks=127.0.0.1/32"], self.dir)
        self.procs.append(self.fc)
        self.fc_http = f"http://127.0.0.1:{self.fc.port('http listening on port')}"

        self.web = Proc("web", [self.binary("adapters/web/hotdesk-web"), f"--server={self.grpc}",
                                "--listen=127.0.0.1:0", "--metrics_listen=127.0.0.1:0",
                                f"--featurecodes_url={self.fc_http}",
                                f"--adapters=featurecodes={self.fc_http}/healthz",
                                "--session_secret=browser-test", *web_flags], self.dir)
        self.procs.append(self.web)
        self.url = f"http://127.0.0.1:{self.web.port('http listening on port')}"
        self.web_metrics = self.web.port("metrics listening on port")

    def redis_cli(self, *args):
        r = subprocess.run(["redis-cli", "-p", str(self.redis_port), *args],
                           capture_output=True, text=True)
        return r.stdout.strip()

    def ctl(self, *args, check=True, token=None):
        r = subprocess.run([self.binary("services/cli/hotdeskctl"), "--server", self.grpc,
                            "--tenant", self.tenant, *args], capture_output=True, text=True, timeout=30,
                           env={**os.environ, "HOTDESK_TOKEN": token or self.admin_token})
        if check and r.returncode != 0:
            raise AssertionError(f"hotdeskctl {' '.join(args)}: {r.stdout}{r.stderr}")
        return r

    def api(self, method, path, body=None, headers=None):
        """A call to hotdesk-web, as the stack's admin unless `headers` carry an Authorization."""
        headers = dict(headers or {})
        if not any(k.lower() == "authorization" for k in headers):
            headers["Authorization"] = "Bearer " + self.admin_token
        return http(method, self.url + path, body, headers)

    def tpath(self, rest):
        return f"/v1/tenants/{self.tenant}{rest}"

    def stop(self):
        for p in reversed(self.procs):
            p.stop()
        self.procs = []

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
