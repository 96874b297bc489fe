#!/usr/bin/python3
"""Every metric a dashboard panel or an alert rule uses is one the programs export.

Starts redis-server, hotdesk-server, hotdesk-featurecodes, hotdesk-web, hotdesk-csta, the XSP
simulator and hotdesk-xsp on free loopback ports, drives a little traffic through each (some
series appear only after their first event), scrapes every /metrics and compares names."""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "web"))
import harness  # noqa: E402

# Series Prometheus makes itself, not a program.
GENERATED = {"up"}


def used_names():
    """Metric names in the rules' and the panels' expressions (histogram parts kept as written)."""
    exprs = []
    import yaml
    with open(os.path.join(ROOT, "helm/hotdesk/files/alerts.yaml")) as f:
        for g in yaml.safe_load(f)["groups"]:
            exprs += [("rule " + r["alert"], r["expr"]) for r in g["rules"]]
    with open(os.path.join(ROOT, "helm/hotdesk/files/dashboard.json")) as f:
        dash = json.load(f)
    for p in dash["panels"]:
        exprs += [("panel " + p["title"], t["expr"]) for t in p.get("targets", [])]
    for v in dash["templating"]["list"]:
        if isinstance(v.get("query"), dict):
            exprs.append(("variable " + v["name"], v["query"]["query"]))
    names = {}
    for where, e in exprs:
        # Drop label matchers and strings so label values are not taken for names.
        bare = re.sub(r'\{[^}]*\}', "", re.sub(r'"[^"]*"', "", e))
        for n in re.findall(r"\b(hotdesk_[a-z0-9_]+|grpc_server_[a-z0-9_]+|up)\b(?!\s*\()", bare):
            names.setdefault(n, []).append(where)
    return names


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    return {m.group(1) for m in re.finditer(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", text, re.M)}


def csta_frame(invoke, xml):
    body = xml.encode()
    n = 8 + len(body)
    return bytes([0, 0, n >> 8, n & 0xFF]) + f"{invoke:04d}".encode() + body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True)
    args = ap.parse_args()
    names = used_names()
    print(f"{len(names)} metric names used by panels and rules")

    s = harness.Stack(args.bin_dir)
    try:
        csta_metrics = harness.free_port()
        csta = harness.Proc("csta", [s.binary("adapters/csta/hotdesk-csta"), "--listen=127.0.0.1:0",
                                     f"--server={s.grpc}", "--tenant=acme", "--check_password=false",
                                     "--trusted_networks=127.0.0.1/32",
                                     "--core_token_file=" + s._write_token(
                                         "csta.token", s.token("operator", "CSTA", "test-csta")),
                                     f"--metrics_listen=127.0.0.1:{csta_metrics}"], s.dir)
        s.procs.append(csta)
        csta_port = csta.port("listening on port")
        sim = harness.Proc("xsp-sim", [s.binary("adapters/xsp/hotdesk-xsp-sim"), "--listen=127.0.0.1:0",
                                       "--user=admin"], s.dir, env={"HOTDESK_PASSWORD": "secret"})
        s.procs.append(sim)
        sim_port = sim.port("listening on port")
        xsp_metrics = harness.free_port()
        xsp = harness.Proc("xsp", [s.binary("adapters/xsp/bridge/hotdesk-xsp"), "--tenant=acme",
                                   f"--server={s.grpc}", f"--redis_addr=127.0.0.1:{s.redis_port}",
                                   f"--xsp_url=http://127.0.0.1:{sim_port}", "--xsp_user=admin",
                                   "--user_domain=example.com", "--subscribe_users=7003@example.com",
                                   f"--metrics_listen=127.0.0.1:{xsp_metrics}",
                                   "--core_token_file=" + s._write_token(
                                       "xsp.token", s.token("agent", "XSP", "test-xsp"))], s.dir,
                           env={"HOTDESK_XSP_PASSWORD": "secret"})
        s.procs.append(xsp)
        xsp.port("listening on port")

        # Traffic: an API login the XSP bridge applies, a CSTA login, a feature-code login, an
        # event to a console's stream, a wrong PIN.
        s.api("POST", s.tpath("/devices"), {"mac": "0015657a1b2c", "hotdeskExtension": "HD0001"})
        s.api("POST", s.tpath("/guests"), {"guest": {"id": "101", "hotdeskingEnabled": True}, "pin": "73915"})
        events = urllib.request.urlopen(urllib.request.Request(
            s.url + s.tpath("/events"), headers={"Authorization": "Bearer " + s.admin_token}),
            timeout=10)
        events.readline()
        s.ctl("establish", "7002", "7003")
        with socket.create_connection(("127.0.0.1", csta_port), timeout=5) as c:
            ns = "http://www.ecma-international.org/standards/ecma-323/csta/ed3"
            c.sendall(csta_frame(1, f'<?xml version="1.0" encoding="UTF-8"?><SetAgentState xmlns="{ns}">'
                                    f'<device>7010</device><requestedAgentState>loggedOn</requestedAgentState>'
                                    f'<agentID>7011</agentID></SetAgentState>'))
            c.recv(65536)
        pbx = s.pbx_headers
        st, dial = harness.http("POST", s.fc_http + "/v1/dial", {"device": "0015657a1b2c", "digits": "*77*101*"}, pbx)
        assert dial.get("action") == "PROMPT_PIN", dial
        harness.http("POST", s.fc_http + "/v1/pin", {"session_id": dial["session_id"], "pin": "00000"}, pbx)
        st, dial = harness.http("POST", s.fc_http + "/v1/dial", {"device": "0015657a1b2c", "digits": "*77*101*"}, pbx)
        harness.http("POST", s.fc_http + "/v1/pin", {"session_id": dial["session_id"], "pin": "73915"}, pbx)

        ports = {"server": s.server_metrics, "featurecodes": s.fc_metrics, "web": s.web_metrics,
                 "csta": csta_metrics, "xsp": xsp_metrics}

        def exported():
            out = set()
            for p in ports.values():
                out |= scrape(p)
            return out

        missing = {}

        def all_there():
            nonlocal missing
            have = exported()
            missing = {n: w for n, w in names.items() if n not in have and n not in GENERATED}
            return not missing
        try:
            harness.wait_for(all_there, timeout=20, step=0.25, what="every used metric exported")
        except AssertionError:
            pass
        events.close()
    finally:
        s.cleanup()

    for n, where in sorted(missing.items()):
        print(f"NOT EXPORTED: {n} (used by {', '.join(sorted(set(where)))})")
    print(f"{len(names) - len(missing)} passed, {len(missing)} failed")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
