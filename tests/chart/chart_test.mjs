// Checks of helm/hotdesk. Started by run.sh, which provides HELM_BIN and HOTDESK_ROOT.
// Every check prints "ok" or "FAIL"; the last line is "N passed, N failed".
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, readdirSync, existsSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:http";
import path from "node:path";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import * as grpc from "@grpc/grpc-js";

const HELM = process.env.HELM_BIN;
const ROOT = process.env.HOTDESK_ROOT;
if (!HELM || !ROOT) {
  console.error("run me through tests/chart/run.sh");
  process.exit(2);
}
const CHART = path.join(ROOT, "helm", "hotdesk");
const RELEASE = "hotdesk";
const NS = "hotdesk-test";
const CI_FILES = readdirSync(path.join(CHART, "ci"))
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => path.join(CHART, "ci", f));

let passed = 0;
let failed = 0;
let skipped = 0;

async function check(name, fn) {
  try {
    const r = await fn();
    if (r === "skip") {
      skipped++;
      console.log(`skip ${name}`);
      return;
    }
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}\n     ${String(e.message ?? e).split("\n").join("\n     ")}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
function eq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`${what}: got ${a}, want ${b}`);
}

// ---------------------------------------------------------------------------------------- helm

function helm(args) {
  const r = spawnSync(HELM, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return r;
}

// Every render starts from base-values.yaml (the token issuer's public key the chart requires).
const BASE = path.join(ROOT, "tests", "chart", "base-values.yaml");
function valueArgs(files = [], sets = []) {
  const args = ["-f", BASE];
  for (const f of files) args.push("-f", f);
  // "--set-string", "a=b" pairs pass through; a bare "a=b" becomes --set a=b.
  for (let i = 0; i < sets.length; i++) {
    if (sets[i].startsWith("--")) args.push(sets[i], sets[++i]);
    else args.push("--set", sets[i]);
  }
  return args;
}

// Renders the chart; returns the parsed documents (throws with helm's message on failure).
const renderCache = new Map();
function render(files = [], sets = [], extra = []) {
  const key = JSON.stringify([files, sets, extra]);
  if (renderCache.has(key)) return renderCache.get(key);
  const r = helm(["template", RELEASE, CHART, "--namespace", NS, ...valueArgs(files, sets), ...extra]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr.trim()}`);
  const docs = parseAllDocuments(r.stdout)
    .map((d) => {
      if (d.errors.length) throw new Error(`YAML error in rendered output: ${d.errors[0].message}`);
      return d.toJSON();
    })
    .filter((d) => d && typeof d === "object");
  const out = { docs, text: r.stdout };
  renderCache.set(key, out);
  return out;
}

// Expects a render to fail; returns helm's error text.
function renderFails(sets, files = []) {
  const r = helm(["template", RELEASE, CHART, "--namespace", NS, ...valueArgs(files, sets)]);
  assert(r.status !== 0, `helm template ${sets.join(" ")} succeeded but should have been rejected`);
  return r.stderr;
}

const name = (component) => `${RELEASE}-${component}`;
const find = (docs, kind, n) => docs.find((d) => d.kind === kind && d.metadata?.name === n);
const ofKind = (docs, kind) => docs.filter((d) => d.kind === kind);
function must(docs, kind, n) {
  const d = find(docs, kind, n);
  assert(d, `no ${kind}/${n} rendered (have: ${docs.map((x) => `${x.kind}/${x.metadata?.name}`).join(", ")})`);
  return d;
}
function podSpec(d) {
  return d.kind === "Pod" ? d.spec : d.spec.template.spec;
}
function container(d, n) {
  const c = podSpec(d).containers.find((x) => x.name === n);
  assert(c, `${d.kind}/${d.metadata.name} has no container ${n}`);
  return c;
}
function envMap(configMap) {
  return configMap.data ?? {};
}
function envVar(c, n) {
  return (c.env ?? []).find((e) => e.name === n);
}

// ---------------------------------------------------------------------------- generic checks

// Restricted Pod Security Standard, for every container of every workload in a render.
function assertRestricted(docs) {
  const workloads = docs.filter((d) => ["Deployment", "StatefulSet", "Pod"].includes(d.kind));
  assert(workloads.length > 0, "no workloads rendered");
  for (const w of workloads) {
    const spec = podSpec(w);
    const pod = spec.securityContext ?? {};
    const where = `${w.kind}/${w.metadata.name}`;
    assert(spec.automountServiceAccountToken === false, `${where}: automountServiceAccountToken is not false`);
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      const sc = c.securityContext ?? {};
      const at = `${where} container ${c.name}`;
      assert((sc.runAsNonRoot ?? pod.runAsNonRoot) === true, `${at}: runAsNonRoot is not true`);
      const uid = sc.runAsUser ?? pod.runAsUser;
      assert(uid !== undefined && uid !== 0, `${at}: runAsUser is ${uid}`);
      assert(sc.readOnlyRootFilesystem === true, `${at}: readOnlyRootFilesystem is not true`);
      assert(sc.allowPrivilegeEscalation === false, `${at}: allowPrivilegeEscalation is not false`);
      assert(sc.privileged !== true, `${at}: privileged`);
      assert((sc.capabilities?.drop ?? []).includes("ALL"), `${at}: capabilities.drop lacks ALL`);
      assert(!(sc.capabilities?.add ?? []).length, `${at}: adds capabilities`);
      const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
      assert(seccomp === "RuntimeDefault", `${at}: seccompProfile is ${seccomp}`);
      assert(c.resources?.requests && c.resources?.limits?.memory, `${at}: no resource requests / memory limit`);
    }
  }
}

// Every Service selects pods of some rendered workload, and every named targetPort exists there.
function assertServicesMatch(docs) {
  const workloads = docs.filter((d) => ["Deployment", "StatefulSet"].includes(d.kind));
  for (const s of ofKind(docs, "Service")) {
    const sel = s.spec.selector;
    const w = workloads.find((w) =>
      Object.entries(sel).every(([k, v]) => w.spec.template.metadata.labels?.[k] === v));
    assert(w, `Service/${s.metadata.name} selects no rendered workload`);
    const ports = podSpec(w).containers.flatMap((c) => c.ports ?? []);
    for (const p of s.spec.ports) {
      if (typeof p.targetPort === "string") {
        assert(ports.some((cp) => cp.name === p.targetPort),
          `Service/${s.metadata.name} targetPort ${p.targetPort} is not a port of ${w.kind}/${w.metadata.name}`);
      }
    }
  }
}

// Every ConfigMap/Secret a workload references by name is rendered, unless it is an existing one.
function assertReferencesResolve(docs, external = []) {
  const have = new Set(docs.filter((d) => ["ConfigMap", "Secret"].includes(d.kind)).map((d) => `${d.kind}/${d.metadata.name}`));
  for (const w of docs.filter((d) => ["Deployment", "StatefulSet", "Pod"].includes(d.kind))) {
    const spec = podSpec(w);
    const refs = [];
    for (const c of spec.containers) {
      for (const e of c.envFrom ?? []) {
        if (e.configMapRef) refs.push(`ConfigMap/${e.configMapRef.name}`);
        if (e.secretRef) refs.push(`Secret/${e.secretRef.name}`);
      }
      for (const e of c.env ?? []) {
        if (e.valueFrom?.secretKeyRef) refs.push(`Secret/${e.valueFrom.secretKeyRef.name}`);
        if (e.valueFrom?.configMapKeyRef) refs.push(`ConfigMap/${e.valueFrom.configMapKeyRef.name}`);
      }
      const mounts = new Set((c.volumeMounts ?? []).map((m) => m.name));
      for (const m of mounts) {
        const v = (spec.volumes ?? []).find((x) => x.name === m);
        const claimed = (w.spec.volumeClaimTemplates ?? []).some((t) => t.metadata.name === m);
        assert(v || claimed, `${w.kind}/${w.metadata.name}: volumeMount ${m} has no volume`);
      }
    }
    for (const v of spec.volumes ?? []) {
      if (v.configMap) refs.push(`ConfigMap/${v.configMap.name}`);
      if (v.secret) refs.push(`Secret/${v.secret.secretName}`);
    }
    for (const r of refs) {
      assert(have.has(r) || external.includes(r), `${w.kind}/${w.metadata.name} references ${r}, which is not rendered`);
    }
  }
}

// Validation against the Kubernetes API schemas (kubernetes-models).
async function validateModels(docs) {
  const problems = [];
  for (const o of docs) {
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
    let mod;
    try {
      if (group === "monitoring.coreos.com") {
        mod = await import(`@kubernetes-models/prometheus-operator/${group}/${version}`);
      } else {
        mod = await import(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
      }
    } catch (e) {
      problems.push(`${o.kind}/${o.metadata?.name}: no schema package for ${o.apiVersion}`);
      continue;
    }
    const Model = mod[o.kind];
    if (!Model) {
      problems.push(`${o.kind}/${o.metadata?.name}: no model for ${o.apiVersion} ${o.kind}`);
      continue;
    }
    try {
      new Model(o).validate();
    } catch (e) {
      problems.push(`${o.kind}/${o.metadata?.name}: ${e.message}`);
    }
  }
  assert(problems.length === 0, problems.join("\n"));
}

// ----------------------------------------------------------------------- values and @param docs

function resolveSchema(node, root) {
  let n = node;
  for (;;) {
    if (n?.$ref) n = n.$ref.replace(/^#\//, "").split("/").reduce((o, k) => o[k], root);
    else if (n?.allOf?.length === 1 && Object.keys(n).every((k) => ["allOf", "description"].includes(k))) n = n.allOf[0];
    else return n;
  }
}

// Leaves of values.yaml: where the schema stops describing named properties, or where an object
// is documented as a whole (e.g. "resources").
function valueLeaves(values, schema, root, documented, prefix = "") {
  const out = [];
  for (const [k, v] of Object.entries(values)) {
    const p = prefix ? `${prefix}.${k}` : k;
    const s = resolveSchema(schema?.properties?.[k], root);
    assert(s, `values.yaml key ${p} has no schema`);
    const object = v && typeof v === "object" && !Array.isArray(v);
    if (object && !documented.has(p) && s.properties && s.additionalProperties === false) {
      out.push(...valueLeaves(v, s, root, documented, p));
    } else {
      out.push(p);
    }
  }
  return out;
}

// -------------------------------------------------------------------------- the health script

function startFakeHealthServer(state) {
  return new Promise((resolve, reject) => {
    const server = new grpc.Server();
    const raw = (b) => b;
    server.addService(
      {
        Check: {
          path: "/grpc.health.v1.Health/Check",
          requestStream: false,
          responseStream: false,
          requestSerialize: raw,
          requestDeserialize: raw,
          responseSerialize: raw,
          responseDeserialize: raw,
        },
      },
      {
        Check: (call, cb) => {
          state.requests.push(Buffer.from(call.request));
          if (state.mode === "error") cb({ code: grpc.status.UNAVAILABLE, details: "down" });
          else cb(null, Buffer.from([0x08, state.mode === "serving" ? 1 : 2]));
        },
      },
    );
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
      if (err) reject(err);
      else resolve({ port, close: () => server.forceShutdown() });
    });
  });
}

function startFakeMetrics() {
  return new Promise((resolve) => {
    const s = createServer((req, res) => {
      res.writeHead(req.url === "/metrics" ? 200 : 404);
      res.end("up 1\n");
    });
    s.listen(0, "127.0.0.1", () => resolve({ port: s.address().port, close: () => s.close() }));
  });
}

function runShell(script, env) {
  return new Promise((resolve) => {
    const p = spawn("/bin/sh", ["-c", script], { env: { PATH: process.env.PATH, ...env } });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), 60_000);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

// ----------------------------------------------------------------------------------- the tests

const defaults = () => render();
const ciName = (f) => path.basename(f);
// The least a feature-code adapter needs to render: a core token, a PBX-auth and a provisioning choice.
const FC_MIN = ["featurecodes.coreToken.existingSecret=fc-token", "featurecodes.pbxAuth.credentials.existingSecret=pbx",
                "featurecodes.provisioning.allowNetworks={10.20.0.0/16}"];

async function main() {
  console.log(`helm: ${helm(["version", "--short"]).stdout.trim()}; chart: ${CHART}`);

  // -- lint
  await check("helm lint --strict (default values)", () => {
    const r = helm(["lint", "--strict", CHART, "-f", BASE]);
    assert(r.status === 0, r.stdout + r.stderr);
  });
  for (const f of CI_FILES) {
    await check(`helm lint --strict -f ci/${ciName(f)}`, () => {
      const r = helm(["lint", "--strict", CHART, "-f", f]);
      assert(r.status === 0, r.stdout + r.stderr);
    });
  }
  await check("Chart.yaml: apiVersion v2, appVersion 0.1.0, kubeVersion >=1.27 (native gRPC probes)", () => {
    const c = parseYaml(readFileSync(path.join(CHART, "Chart.yaml"), "utf8"));
    eq(c.apiVersion, "v2", "apiVersion");
    eq(String(c.appVersion), "0.1.0", "appVersion");
    assert(/1\.27/.test(c.kubeVersion), `kubeVersion ${c.kubeVersion}`);
    const old = helm(["template", RELEASE, CHART, "-f", BASE, "--kube-version", "1.26.0"]);
    assert(old.status !== 0, "renders for Kubernetes 1.26, which lacks GA gRPC probes");
    const ok = helm(["template", RELEASE, CHART, "-f", BASE, "--kube-version", "1.27.0"]);
    assert(ok.status === 0, ok.stderr);
  });

  // -- template + API schema validation for every scenario
  for (const f of [null, ...CI_FILES]) {
    const label = f ? `ci/${ciName(f)}` : "default values";
    await check(`helm template (${label}) renders and every manifest validates against the Kubernetes API schemas`, async () => {
      const { docs } = render(f ? [f] : []);
      await validateModels(docs);
    });
    await check(`(${label}) restricted security context on every container; every Service selects a workload`, () => {
      const { docs } = render(f ? [f] : []);
      assertRestricted(docs);
      assertServicesMatch(docs);
    });
    await check(`(${label}) every referenced ConfigMap/Secret is rendered or a declared existing one`, () => {
      const { docs } = render(f ? [f] : []);
      const values = parseYaml(readFileSync(f ?? path.join(CHART, "values.yaml"), "utf8")) ?? {};
      const external = [
        values.redis?.auth?.existingSecret && `Secret/${values.redis.auth.existingSecret}`,
        values.redis?.sentinel?.auth?.existingSecret && `Secret/${values.redis.sentinel.auth.existingSecret}`,
        values.xsp?.credentials?.existingSecret && `Secret/${values.xsp.credentials.existingSecret}`,
        values.csta?.tls?.existingSecret && `Secret/${values.csta.tls.existingSecret}`,
        values.featurecodes?.dialplan?.existingConfigMap && `ConfigMap/${values.featurecodes.dialplan.existingConfigMap}`,
        values.server?.auth?.existingConfigMap && `ConfigMap/${values.server.auth.existingConfigMap}`,
        values.server?.tls?.existingSecret && `Secret/${values.server.tls.existingSecret}`,
        values.server?.tls?.caSecret && `Secret/${values.server.tls.caSecret}`,
        values.web?.sessionSecret?.existingSecret && `Secret/${values.web.sessionSecret.existingSecret}`,
        values.web?.tls?.existingSecret && `Secret/${values.web.tls.existingSecret}`,
        ...["csta", "featurecodes", "xsp"].flatMap((c) => [
          values[c]?.coreToken?.existingSecret && `Secret/${values[c].coreToken.existingSecret}`,
          values[c]?.coreTls?.clientCertSecret && `Secret/${values[c].coreTls.clientCertSecret}`]),
        values.csta?.tls?.clientCASecret && `Secret/${values.csta.tls.clientCASecret}`,
        values.featurecodes?.pbxAuth?.existingConfigMap && `ConfigMap/${values.featurecodes.pbxAuth.existingConfigMap}`,
        values.featurecodes?.pbxAuth?.credentials?.existingSecret && `Secret/${values.featurecodes.pbxAuth.credentials.existingSecret}`,
        values.featurecodes?.provisioning?.credentials?.existingSecret && `Secret/${values.featurecodes.provisioning.credentials.existingSecret}`,
      ].filter(Boolean);
      assertReferencesResolve(docs, external);
    });
  }

  // -- server defaults
  await check("server Deployment: gRPC startup/liveness/readiness probes on the plaintext health-only port 8081", () => {
    const d = must(defaults().docs, "Deployment", name("server"));
    const c = container(d, "hotdesk-server");
    for (const p of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      assert(c[p], `${p} missing`);
      eq(c[p].grpc?.port, 8081, `${p}.grpc.port`);
    }
    eq(c.ports.map((p) => [p.name, p.containerPort]), [["grpc", 50051], ["metrics", 9464], ["health", 8081]], "container ports");
    eq(envMap(must(defaults().docs, "ConfigMap", name("server"))).HOTDESK_HEALTH_LISTEN, "0.0.0.0:8081", "HOTDESK_HEALTH_LISTEN");
    eq(c.command, ["/usr/local/bin/hotdesk-server"], "command");
  });
  await check("server Deployment: replicas, rolling update without unavailability, anti-affinity", () => {
    const d = must(defaults().docs, "Deployment", name("server"));
    eq(d.spec.replicas, 2, "replicas");
    eq(d.spec.strategy.rollingUpdate.maxUnavailable, 0, "maxUnavailable");
    assert(podSpec(d).affinity?.podAntiAffinity, "no pod anti-affinity");
  });
  await check("server shutdown: preStop sleep, then shutdown_grace, inside terminationGracePeriodSeconds", () => {
    const { docs } = defaults();
    const d = must(docs, "Deployment", name("server"));
    const c = container(d, "hotdesk-server");
    const cmd = c.lifecycle?.preStop?.exec?.command;
    assert(cmd && cmd[0] === "/bin/sleep", `preStop is ${JSON.stringify(c.lifecycle)}`);
    const sleep = Number(cmd[1]);
    const grace = parseInt(envMap(must(docs, "ConfigMap", name("server"))).HOTDESK_SHUTDOWN_GRACE, 10);
    const tgps = podSpec(d).terminationGracePeriodSeconds;
    assert(sleep > 0 && grace > 0, `sleep ${sleep}, grace ${grace}`);
    assert(tgps > sleep + grace, `terminationGracePeriodSeconds ${tgps} <= preStop ${sleep} + shutdown_grace ${grace}`);
  });
  await check("server Service: gRPC and metrics ports (and a headless Service for per-pod balancing)", () => {
    const { docs } = defaults();
    const s = must(docs, "Service", name("server"));
    eq(s.spec.ports.map((p) => [p.name, p.port, p.targetPort]), [["grpc", 50051, "grpc"], ["metrics", 9464, "metrics"], ["health", 8081, "health"]], "ports");
    eq(must(docs, "Service", name("server-headless")).spec.clusterIP, "None", "headless clusterIP");
  });
  await check("server ConfigMap carries the flags as HOTDESK_* variables; the Deployment loads it", () => {
    const { docs } = defaults();
    const env = envMap(must(docs, "ConfigMap", name("server")));
    eq(env.HOTDESK_LISTEN, "0.0.0.0:50051", "HOTDESK_LISTEN");
    eq(env.HOTDESK_METRICS_LISTEN, "0.0.0.0:9464", "HOTDESK_METRICS_LISTEN");
    eq(env.HOTDESK_STORE, "redis", "HOTDESK_STORE");
    eq(env.HOTDESK_REDIS_ADDR, "redis:6379", "HOTDESK_REDIS_ADDR");
    eq(env.HOTDESK_STREAM_RETENTION, "100000", "HOTDESK_STREAM_RETENTION");
    eq(env.HOTDESK_SHUTDOWN_GRACE, "20s", "HOTDESK_SHUTDOWN_GRACE");
    for (const [k, v] of Object.entries(env)) assert(/^HOTDESK_[A-Z0-9_]+$/.test(k) && typeof v === "string", `bad entry ${k}`);
    const c = container(must(docs, "Deployment", name("server")), "hotdesk-server");
    eq(c.envFrom?.[0]?.configMapRef?.name, name("server"), "envFrom");
  });
  await check("default: external Redis, no password, no Redis StatefulSet/Secret, no adapters, no HPA/ServiceMonitor", () => {
    const { docs } = defaults();
    eq(ofKind(docs, "StatefulSet").length, 0, "StatefulSets");
    assert(!find(docs, "Secret", name("redis")), "a Redis Secret is rendered");
    assert(!envVar(container(must(docs, "Deployment", name("server")), "hotdesk-server"), "HOTDESK_REDIS_PASSWORD"), "password env without a password");
    eq(ofKind(docs, "Deployment").map((d) => d.metadata.name), [name("server")], "Deployments");
    eq(ofKind(docs, "HorizontalPodAutoscaler").length, 0, "HPAs");
    eq(ofKind(docs, "ServiceMonitor").length, 0, "ServiceMonitors");
    for (const c of ["csta", "xsp", "featurecodes", "web"]) {
      assert(!docs.some((d) => d.metadata?.labels?.["app.kubernetes.io/component"] === c), `${c} resources rendered while disabled`);
    }
  });
  await check("default: PodDisruptionBudget (maxUnavailable 1) and NetworkPolicy for the server", () => {
    const { docs } = defaults();
    eq(must(docs, "PodDisruptionBudget", name("server")).spec.maxUnavailable, 1, "maxUnavailable");
    const np = must(docs, "NetworkPolicy", name("server"));
    eq(np.spec.policyTypes, ["Ingress", "Egress"], "policyTypes");
    assert(np.spec.ingress.some((r) => r.ports.some((p) => p.port === 50051)), "no ingress rule for gRPC");
  });
  // -- authentication, TLS, reflection, network exposure
  await check("no token keys: the chart refuses to install unless authentication is explicitly off", () => {
    const r = helm(["template", RELEASE, CHART, "--namespace", NS]);
    assert(r.status !== 0, "rendered without token keys");
    assert(/server\.auth\.enabled: give the token issuer's public keys/.test(r.stderr), r.stderr);
    const off = render([], ["server.auth.enabled=false"]);
    eq(envMap(must(off.docs, "ConfigMap", name("server"))).HOTDESK_INSECURE_NO_AUTH, "true", "HOTDESK_INSECURE_NO_AUTH");
    assert(!podSpec(must(off.docs, "Deployment", name("server"))).volumes.some((v) => v.name === "auth-keys"), "keys volume without auth");
  });
  await check("server auth: inline public keys in a ConfigMap, mounted, HOTDESK_AUTH_KEYS points at them; reflection off", () => {
    const { docs } = defaults();
    const env = envMap(must(docs, "ConfigMap", name("server")));
    eq(env.HOTDESK_AUTH_KEYS, "/etc/hotdesk/auth/keys.pem", "HOTDESK_AUTH_KEYS");
    eq(env.HOTDESK_ENABLE_REFLECTION, "false", "HOTDESK_ENABLE_REFLECTION");
    assert(!("HOTDESK_INSECURE_NO_AUTH" in env), "insecure flag with auth on");
    assert(!("HOTDESK_TLS_CERT" in env), "TLS without server.tls.enabled");
    const keys = must(docs, "ConfigMap", name("server-auth-keys"));
    assert(keys.data["keys.pem"].includes("BEGIN PUBLIC KEY"), "keys.pem");
    const d = must(docs, "Deployment", name("server"));
    eq(podSpec(d).volumes.find((v) => v.name === "auth-keys")?.configMap?.name, name("server-auth-keys"), "keys volume");
    eq(container(d, "hotdesk-server").volumeMounts.find((m) => m.name === "auth-keys")?.mountPath, "/etc/hotdesk/auth", "keys mount");
  });
  await check("server auth from an existing ConfigMap (JWKS of an identity provider) with audience and issuer", () => {
    const { docs } = render([CI_FILES.find((f) => ciName(f).startsWith("external-redis"))]);
    const env = envMap(must(docs, "ConfigMap", name("server")));
    eq(env.HOTDESK_AUTH_KEYS, "/etc/hotdesk/auth/jwks.json", "HOTDESK_AUTH_KEYS");
    eq(env.HOTDESK_AUTH_AUDIENCE, "hotdesk", "audience");
    eq(env.HOTDESK_AUTH_ISSUER, "https://idp.example.com", "issuer");
    assert(!find(docs, "ConfigMap", name("server-auth-keys")), "a keys ConfigMap besides the existing one");
    eq(podSpec(must(docs, "Deployment", name("server"))).volumes.find((v) => v.name === "auth-keys")?.configMap?.name, "hotdesk-token-keys", "volume");
  });
  await check("server mTLS: certificate and client CA from Secrets, flags point at them, probes stay on the plaintext health port", () => {
    const { docs } = render([CI_FILES.find((f) => ciName(f).startsWith("all-adapters"))]);
    const env = envMap(must(docs, "ConfigMap", name("server")));
    eq([env.HOTDESK_TLS_CERT, env.HOTDESK_TLS_KEY, env.HOTDESK_TLS_CLIENT_CA],
       ["/etc/hotdesk/tls/tls.crt", "/etc/hotdesk/tls/tls.key", "/etc/hotdesk/client-ca/ca.crt"], "TLS flags");
    const d = must(docs, "Deployment", name("server"));
    const vols = podSpec(d).volumes;
    eq(vols.find((v) => v.name === "tls")?.secret?.secretName, "hotdesk-server-tls", "tls volume");
    eq(vols.find((v) => v.name === "client-ca")?.secret?.secretName, "hotdesk-server-tls", "client CA volume (the same Secret's ca.crt)");
    const c = container(d, "hotdesk-server");
    eq(c.readinessProbe.grpc.port, 8081, "readiness port");
    assert(must(docs, "ConfigMap", name("server-auth-keys")).data["jwks.json"].includes('"kid":"ci"'), "jwks.json");
  });
  await check("NetworkPolicy by default admits only this release's pods, labelled clients and networkPolicy.ingressFrom to the API", () => {
    const grpcRule = (docs) => must(docs, "NetworkPolicy", name("server")).spec.ingress.find((r) => r.ports.some((p) => p.port === 50051));
    const d = grpcRule(defaults().docs);
    assert(Array.isArray(d.from) && d.from.length === 2, `default gRPC ingress is ${JSON.stringify(d)}`);
    const peer = { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "pbx" } } };
    const withPeer = grpcRule(render([], ["--set-json", `networkPolicy.ingressFrom=${JSON.stringify([peer])}`]).docs);
    eq(withPeer.from[2], peer, "ingressFrom peer");
    const open = grpcRule(render([], ["networkPolicy.allowExternal=true"]).docs);
    assert(!open.from, "allowExternal=true still restricts");
  });
  await check("helm test pod: a test hook calling grpc.health.v1.Health/Check on the server Service", () => {
    const { docs } = defaults();
    const pods = ofKind(docs, "Pod");
    eq(pods.length, 1, "test pods");
    const p = pods[0];
    eq(p.metadata.annotations["helm.sh/hook"], "test", "hook");
    eq(p.spec.restartPolicy, "Never", "restartPolicy");
    const c = p.spec.containers[0];
    assert(c.args[0].includes("/grpc.health.v1.Health/Check"), "script does not call Health/Check");
    eq(envVar(c, "SERVER_GRPC")?.value, `${name("server")}:8081`, "SERVER_GRPC (the health-only port: works with TLS and mTLS)");
  });
  await check("NOTES.txt renders (helm install --dry-run=client) and warns about the placeholder Redis address", () => {
    const r = helm(["install", RELEASE, CHART, "--namespace", NS, "-f", BASE, "--dry-run=client"]);
    assert(r.status === 0, r.stderr);
    const notes = r.stdout.split("NOTES:")[1] ?? "";
    assert(notes.includes(`${name("server")}.${NS}.svc:50051`), "NOTES lack the server address");
    assert(/WARNING: redis\.external\.addr/.test(notes), "NOTES lack the placeholder warning");
    const b = helm(["install", RELEASE, CHART, "--namespace", NS, "-f", BASE, "--dry-run=client", "--set", "redis.mode=bundled"]);
    assert(b.status === 0 && /bundled single instance/.test(b.stdout), "bundled NOTES");
  });

  // -- Redis: bundled vs external
  const bundledFile = CI_FILES.find((f) => ciName(f).startsWith("bundled-redis"));
  await check("bundled Redis: one StatefulSet with AOF, a PVC template, a generated password Secret used by the server", () => {
    const { docs } = render([bundledFile]);
    const sts = ofKind(docs, "StatefulSet");
    eq(sts.map((s) => s.metadata.name), [name("redis")], "StatefulSets");
    const s = sts[0];
    eq(s.spec.replicas, 1, "replicas");
    const conf = must(docs, "ConfigMap", name("redis")).data["redis.conf"];
    assert(/^appendonly yes$/m.test(conf), "appendonly yes missing");
    assert(/^appendfsync everysec$/m.test(conf), "appendfsync everysec missing");
    assert(/^maxmemory-policy noeviction$/m.test(conf), "noeviction missing");
    assert(/^maxmemory 256mb$/m.test(conf), "maxmemory from values missing");
    const pvc = s.spec.volumeClaimTemplates?.[0];
    assert(pvc, "no volumeClaimTemplates");
    eq(pvc.spec.resources.requests.storage, "2Gi", "PVC size");
    eq(pvc.spec.storageClassName, "standard", "storageClassName");
    const secret = must(docs, "Secret", name("redis"));
    const pw = Buffer.from(secret.data["redis-password"], "base64").toString();
    assert(pw.length >= 16, "generated password too short");
    const redis = container(s, "redis");
    eq(envVar(redis, "REDIS_PASSWORD")?.valueFrom?.secretKeyRef, { name: name("redis"), key: "redis-password" }, "redis REDIS_PASSWORD");
    const server = container(must(docs, "Deployment", name("server")), "hotdesk-server");
    eq(envVar(server, "HOTDESK_REDIS_PASSWORD")?.valueFrom?.secretKeyRef, { name: name("redis-acl"), key: "server-password" }, "server password (its own ACL user)");
    eq(envMap(must(docs, "ConfigMap", name("server"))).HOTDESK_REDIS_ADDR, `${name("redis")}:6379`, "server redis addr");
    must(docs, "Service", name("redis"));
    eq(must(docs, "Service", name("redis-headless")).spec.clusterIP, "None", "headless");
  });
  await check("bundled Redis: no password on any command line; users from an ACL file written at start from the Secret", () => {
    const { docs } = render([bundledFile]);
    const redis = container(ofKind(docs, "StatefulSet")[0], "redis");
    const cmdline = [...(redis.command ?? []), ...(redis.args ?? [])].join(" ");
    assert(!/requirepass/.test(cmdline), "--requirepass on the command line");
    assert(/--aclfile \/tmp\/users\.acl/.test(cmdline) && /umask 077/.test(cmdline), cmdline);
    const rules = must(docs, "ConfigMap", name("redis")).data["users.rules"];
    assert(/^hotdesk-server on resetchannels ~hotdesk:\* &hotdesk:\* -@all /m.test(rules), rules);
    assert(/^hotdesk-xsp .*~hotdesk:\{\*\}:xsp:\* /m.test(rules), rules);
    const off = render([bundledFile], ["redis.acl.enabled=false"]).docs;
    assert(!find(off, "Secret", name("redis-acl")), "ACL user Secret while redis.acl.enabled is false");
    eq(envVar(container(must(off, "Deployment", name("server")), "hotdesk-server"), "HOTDESK_REDIS_PASSWORD")?.valueFrom?.secretKeyRef,
       { name: name("redis"), key: "redis-password" }, "server on the default user without ACL users");
  });
  await check("bundled Redis with ACL users (default): the server authenticates as hotdesk-server with its own generated password", () => {
    const { docs } = render([bundledFile]);
    const acl = must(docs, "Secret", name("redis-acl"));
    for (const k of ["server-password", "xsp-password"])
      assert(Buffer.from(acl.data[k], "base64").toString().length >= 16, k);
    const redis = container(ofKind(docs, "StatefulSet")[0], "redis");
    eq(envVar(redis, "ACL_PASSWORD_HOTDESK_SERVER")?.valueFrom?.secretKeyRef, { name: name("redis-acl"), key: "server-password" }, "redis env");
    const server = container(must(docs, "Deployment", name("server")), "hotdesk-server");
    eq(envVar(server, "HOTDESK_REDIS_USERNAME")?.value, "hotdesk-server", "username");
    eq(envVar(server, "HOTDESK_REDIS_PASSWORD")?.valueFrom?.secretKeyRef, { name: name("redis-acl"), key: "server-password" }, "password");
  });
  await check("bundled Redis: NetworkPolicy admits only the server to port 6379", () => {
    const { docs } = render([bundledFile]);
    const np = must(docs, "NetworkPolicy", name("redis"));
    eq(np.spec.ingress.length, 1, "ingress rules");
    eq(np.spec.ingress[0].from.map((f) => f.podSelector.matchLabels["app.kubernetes.io/component"]), ["server"], "from");
  });
  await check("bundled Redis with persistence off uses an emptyDir and no claim", () => {
    const { docs } = render([], ["redis.mode=bundled", "redis.bundled.persistence.enabled=false"]);
    const s = ofKind(docs, "StatefulSet")[0];
    assert(!s.spec.volumeClaimTemplates, "volumeClaimTemplates rendered");
    assert(podSpec(s).volumes.some((v) => v.name === "data" && v.emptyDir), "no emptyDir data volume");
  });
  const externalFile = CI_FILES.find((f) => ciName(f).startsWith("external-redis"));
  await check("external Redis with an existing Secret: no StatefulSet, no chart Secret, the server reads the given Secret/key", () => {
    const { docs } = render([externalFile]);
    eq(ofKind(docs, "StatefulSet").length, 0, "StatefulSets");
    eq(ofKind(docs, "Secret").length, 0, "Secrets");
    const c = container(must(docs, "Deployment", name("server")), "hotdesk-server");
    eq(envVar(c, "HOTDESK_REDIS_PASSWORD")?.valueFrom?.secretKeyRef, { name: "hotdesk-redis-credentials", key: "password" }, "secretKeyRef");
    const env = envMap(must(docs, "ConfigMap", name("server")));
    eq(env.HOTDESK_REDIS_ADDR, "redis-primary.data.svc.cluster.local:6379", "addr");
    eq(env.HOTDESK_REDIS_DB, "2", "db");
    eq(env.HOTDESK_REDIS_CONNECTIONS, "4", "extraConfig overrides a generated flag");
    eq(env.HOTDESK_LOG_FORMAT, "logfmt", "log format");
    eq(envVar(c, "TZ")?.value, "UTC", "extraEnv");
  });
  await check("external Redis with a plain password: chart Secret holds it", () => {
    const { docs } = render([], ["redis.auth.password=s3cret"]);
    const s = must(docs, "Secret", name("redis"));
    eq(Buffer.from(s.data["redis-password"], "base64").toString(), "s3cret", "password");
    eq(ofKind(docs, "StatefulSet").length, 0, "StatefulSets");
  });

  // -- Redis modes: one address, Sentinel, Cluster; the durability option
  const redisFlags = (env) =>
    Object.fromEntries(Object.entries(env).filter(([k]) => /^HOTDESK_REDIS_(?!CONNECTIONS)/.test(k)).sort());
  await check("mode external (default): --redis_addr and --redis_db, durability option off", () => {
    const env = envMap(must(defaults().docs, "ConfigMap", name("server")));
    eq(redisFlags(env), {
      HOTDESK_REDIS_ADDR: "redis:6379", HOTDESK_REDIS_DB: "0",
      HOTDESK_REDIS_WAIT_REPLICAS: "0", HOTDESK_REDIS_WAIT_TIMEOUT: "500ms",
    }, "server Redis flags");
  });
  const sentinelFile = CI_FILES.find((f) => ciName(f).startsWith("sentinel-redis"));
  await check("mode sentinel: the server and the XSP bridge get --redis_sentinels/--redis_master_name and the sentinels' password", () => {
    const { docs } = render([sentinelFile]);
    const want = {
      HOTDESK_REDIS_DB: "0", HOTDESK_REDIS_MASTER_NAME: "hotdesk",
      HOTDESK_REDIS_SENTINELS: [0, 1, 2].map((i) => `redis-sentinel-${i}.redis-sentinel.data.svc.cluster.local:26379`).join(","),
      HOTDESK_REDIS_WAIT_REPLICAS: "1", HOTDESK_REDIS_WAIT_TIMEOUT: "250ms",
    };
    for (const component of ["server", "xsp"]) {
      eq(redisFlags(envMap(must(docs, "ConfigMap", name(component)))), want, `${component} Redis flags`);
      const c = container(must(docs, "Deployment", name(component)), `hotdesk-${component}`);
      eq(envVar(c, "HOTDESK_REDIS_SENTINEL_PASSWORD")?.valueFrom?.secretKeyRef, { name: "hotdesk-sentinel", key: "password" }, `${component} sentinel password`);
      eq(envVar(c, "HOTDESK_REDIS_PASSWORD")?.valueFrom?.secretKeyRef, { name: "hotdesk-redis-credentials", key: "password" }, `${component} Redis password`);
    }
    assert(!find(docs, "Secret", name("redis-sentinel")), "a sentinel Secret is rendered next to an existing one");
  });
  await check("mode sentinel with an inline sentinel password and user: the chart renders the Secret; no password, no variable", () => {
    const base = ["redis.mode=sentinel", "redis.sentinel.sentinels={s0:26379,s1:26379}", "redis.sentinel.masterName=mymaster"];
    const { docs } = render([], [...base, "redis.sentinel.auth.password=sp", "redis.sentinel.auth.username=hd"]);
    const s = must(docs, "Secret", name("redis-sentinel"));
    eq(Buffer.from(s.data["sentinel-password"], "base64").toString(), "sp", "sentinel password");
    const c = container(must(docs, "Deployment", name("server")), "hotdesk-server");
    eq(envVar(c, "HOTDESK_REDIS_SENTINEL_PASSWORD")?.valueFrom?.secretKeyRef, { name: name("redis-sentinel"), key: "sentinel-password" }, "secretKeyRef");
    const env = envMap(must(docs, "ConfigMap", name("server")));
    eq([env.HOTDESK_REDIS_SENTINELS, env.HOTDESK_REDIS_MASTER_NAME, env.HOTDESK_REDIS_SENTINEL_USERNAME], ["s0:26379,s1:26379", "mymaster", "hd"], "flags");
    assert(!("HOTDESK_REDIS_ADDR" in env), "--redis_addr rendered in sentinel mode");
    const plain = render([], base);
    assert(!find(plain.docs, "Secret", name("redis-sentinel")), "sentinel Secret without a password");
    assert(!envVar(container(must(plain.docs, "Deployment", name("server")), "hotdesk-server"), "HOTDESK_REDIS_SENTINEL_PASSWORD"), "sentinel password variable without a password");
  });
  const clusterFile = CI_FILES.find((f) => ciName(f).startsWith("cluster-redis"));
  await check("mode cluster: --redis_cluster_nodes only (no --redis_addr, no --redis_db), password Secret rendered", () => {
    const { docs } = render([clusterFile]);
    eq(redisFlags(envMap(must(docs, "ConfigMap", name("server")))), {
      HOTDESK_REDIS_CLUSTER_NODES: [0, 1, 2].map((i) => `redis-cluster-${i}.redis-cluster.data.svc.cluster.local:6379`).join(","),
      HOTDESK_REDIS_WAIT_REPLICAS: "0", HOTDESK_REDIS_WAIT_TIMEOUT: "500ms",
    }, "server Redis flags");
    const c = container(must(docs, "Deployment", name("server")), "hotdesk-server");
    eq(envVar(c, "HOTDESK_REDIS_PASSWORD")?.valueFrom?.secretKeyRef, { name: name("redis"), key: "redis-password" }, "password");
    eq(ofKind(docs, "StatefulSet").length, 0, "StatefulSets");
  });
  // The binaries, when the build provides them (ctest does): every HOTDESK_<FLAG> a mode renders
  // into the server's and the XSP bridge's ConfigMap is a flag that binary knows.
  await check("every Redis-mode variable in the server/XSP ConfigMaps is a flag of hotdesk-server/hotdesk-xsp", () => {
    const bins = { server: process.env.HOTDESK_SERVER_BIN, xsp: process.env.HOTDESK_XSP_BIN };
    if (!bins.server || !bins.xsp || !existsSync(bins.server) || !existsSync(bins.xsp)) return "skip";
    const flags = {};
    for (const [component, bin] of Object.entries(bins)) {
      const r = spawnSync(bin, ["--helpfull"], { encoding: "utf8" });
      flags[component] = new Set([...(r.stdout + r.stderr).matchAll(/^\s+--([a-z0-9_]+) \(/gm)].map((m) => m[1]));
      assert(flags[component].has("redis_addr"), `${bin} --helpfull lists no --redis_addr`);
    }
    for (const file of [null, sentinelFile, clusterFile, bundledFile]) {
      const { docs } = render(file ? [file] : []);
      for (const component of ["server", "xsp"]) {
        const cm = find(docs, "ConfigMap", name(component));
        if (!cm) continue;
        for (const key of Object.keys(envMap(cm))) {
          const flag = key.replace(/^HOTDESK_/, "").toLowerCase();
          assert(flags[component].has(flag), `${file ? ciName(file) : "defaults"}: ${component} ConfigMap sets ${key}, but hotdesk-${component} has no --${flag}`);
        }
      }
    }
  });
  await check("NOTES name the Redis mode and the durability option", () => {
    for (const [file, pattern] of [[sentinelFile, /sentinels .* name "hotdesk" \(followed across failovers\)[\s\S]*once 1 replica\(s\) have it/],
                                   [clusterFile, /Redis Cluster: seed nodes [\s\S]*a failover can drop/]]) {
      const r = helm(["install", RELEASE, CHART, "--namespace", NS, "--dry-run=client", "-f", BASE, "-f", file]);
      assert(r.status === 0, r.stderr);
      assert(pattern.test(r.stdout.split("NOTES:")[1] ?? ""), `${ciName(file)}: NOTES lack ${pattern}`);
    }
  });

  await check("locked-down NetworkPolicy: clients by label, metrics from the monitoring namespace, egress only DNS + extraEgress", () => {
    const { docs } = render([externalFile]);
    const np = must(docs, "NetworkPolicy", name("server"));
    const grpcRule = np.spec.ingress.find((r) => r.ports.some((p) => p.port === 50051));
    assert(grpcRule.from?.some((f) => f.podSelector?.matchLabels?.[`${RELEASE}-client`] === "true"), "no client-label peer");
    const metricsRule = np.spec.ingress.find((r) => r.ports.some((p) => p.port === 9464));
    eq(metricsRule.from?.[0]?.namespaceSelector?.matchLabels, { "kubernetes.io/metadata.name": "monitoring" }, "metrics from");
    assert(!np.spec.egress.some((e) => Object.keys(e).length === 0), "egress allows everything");
    assert(np.spec.egress.some((e) => e.ports?.some((p) => p.port === 53)), "no DNS egress");
    assert(np.spec.egress.some((e) => e.ports?.some((p) => p.port === 6379)), "no Redis egress from extraEgress");
  });

  // -- adapters
  const adaptersFile = CI_FILES.find((f) => ciName(f).startsWith("all-adapters"));
  await check("locked-down policies with every adapter still let the helm test pod reach each port it checks", () => {
    const { docs } = render([adaptersFile, externalFile], ["server.auth.jwks="]);
    const pod = ofKind(docs, "Pod")[0];
    const labels = pod.metadata.labels;
    const admits = (np, port) => np.spec.ingress.some((r) =>
      (!r.ports || r.ports.some((p) => p.port === port)) &&
      (!r.from || r.from.some((peer) => peer.podSelector && !peer.namespaceSelector && !peer.ipBlock &&
        Object.entries(peer.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v))));
    const targets = [["server", 8081], ["server", 9464], ["featurecodes", 50061], ["xsp", 9466]];
    for (const [comp, port] of targets) {
      const np = must(docs, "NetworkPolicy", name(comp));
      assert(np.spec.ingress.some((r) => r.from), `${comp}: policy is not locked down`);
      assert(admits(np, port), `${comp}: the test pod may not reach port ${port}`);
    }
    // and an unrelated pod may not reach the server's gRPC port
    const np = must(docs, "NetworkPolicy", name("server"));
    const stranger = { app: "other" };
    assert(!np.spec.ingress.some((r) => r.ports.some((p) => p.port === 50051) &&
      (!r.from || r.from.some((peer) => peer.podSelector && !peer.namespaceSelector &&
        Object.entries(peer.podSelector.matchLabels ?? {}).every(([k, v]) => stranger[k] === v)))), "a stranger reaches gRPC");
  });

  await check("adapters enabled: csta, xsp, featurecodes Deployments with their binaries and the server address", () => {
    const { docs } = render([adaptersFile]);
    for (const [comp, bin] of [["csta", "hotdesk-csta"], ["xsp", "hotdesk-xsp"], ["featurecodes", "hotdesk-featurecodes"]]) {
      const c = container(must(docs, "Deployment", name(comp)), bin);
      eq(c.command, [`/usr/local/bin/${bin}`], `${comp} command`);
      eq(envMap(must(docs, "ConfigMap", name(comp))).HOTDESK_SERVER, `${name("server")}:50051`, `${comp} HOTDESK_SERVER`);
    }
  });
  await check("csta: LoadBalancer Service with nodePort and source ranges, metrics kept on a ClusterIP Service, TCP probes, TLS from the Secret", () => {
    const { docs } = render([adaptersFile]);
    const s = must(docs, "Service", name("csta"));
    eq(s.spec.type, "LoadBalancer", "type");
    eq(s.spec.ports.map((p) => [p.name, p.port, p.nodePort]), [["csta", 4722, 30722]], "ports");
    eq(s.spec.loadBalancerSourceRanges, ["192.0.2.0/24"], "source ranges");
    eq(s.spec.externalTrafficPolicy, "Local", "externalTrafficPolicy");
    const m = must(docs, "Service", name("csta-metrics"));
    eq([m.spec.type, m.spec.ports[0].port], ["ClusterIP", 9465], "metrics service");
    const d = must(docs, "Deployment", name("csta"));
    const c = container(d, "hotdesk-csta");
    for (const p of ["startupProbe", "livenessProbe", "readinessProbe"]) eq(c[p]?.tcpSocket?.port, "csta", `${p}.tcpSocket`);
    const tls = podSpec(d).volumes.find((v) => v.name === "tls");
    eq(tls?.secret?.secretName, "hotdesk-csta-tls", "tls volume");
    const env = envMap(must(docs, "ConfigMap", name("csta")));
    eq([env.HOTDESK_TLS_CERT, env.HOTDESK_TLS_KEY], ["/etc/hotdesk/csta-tls/tls.crt", "/etc/hotdesk/csta-tls/tls.key"], "tls flags");
    eq(env.HOTDESK_TENANT, "acme", "extraConfig");
    must(docs, "PodDisruptionBudget", name("csta"));
  });
  await check("xsp: exactly one replica, Recreate, fast-failover tolerations, credentials from the existing Secret", () => {
    const { docs } = render([adaptersFile]);
    const d = must(docs, "Deployment", name("xsp"));
    eq(d.spec.replicas, 1, "replicas");
    eq(d.spec.strategy, { type: "Recreate" }, "strategy");
    const tol = podSpec(d).tolerations.filter((t) => t.tolerationSeconds === 30).map((t) => t.key).sort();
    eq(tol, ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"], "failover tolerations");
    const c = container(d, "hotdesk-xsp");
    eq(envVar(c, "HOTDESK_XSP_USER")?.valueFrom?.secretKeyRef, { name: "hotdesk-xsp-credentials", key: "user" }, "user");
    eq(envVar(c, "HOTDESK_XSP_PASSWORD")?.valueFrom?.secretKeyRef, { name: "hotdesk-xsp-credentials", key: "pass" }, "password");
    eq(c.livenessProbe?.httpGet, { path: "/healthz", port: "metrics" }, "liveness");
    assert(!find(docs, "Secret", name("xsp")), "chart renders an XSP Secret despite existingSecret");
    const env = envMap(must(docs, "ConfigMap", name("xsp")));
    eq([env.HOTDESK_XSP_URL, env.HOTDESK_TENANT, env.HOTDESK_USER_DOMAIN], ["https://xsp.example.com", "acme", "example.com"], "xsp flags");
    eq(env.HOTDESK_REDIS_ADDR, "redis:6379", "cursor store address");
    assert(!find(docs, "PodDisruptionBudget", name("xsp")), "a PDB for a single-instance pod would block node drains");
  });
  await check("xsp with inline credentials: the chart's own Secret is used", () => {
    const { docs } = render([], ["xsp.enabled=true", "xsp.config.xspUrl=https://xsp.example.com", "xsp.credentials.username=u", "xsp.credentials.password=p", "xsp.coreToken.existingSecret=t"]);
    const s = must(docs, "Secret", name("xsp"));
    eq(Buffer.from(s.data.password, "base64").toString(), "p", "password");
    const c = container(must(docs, "Deployment", name("xsp")), "hotdesk-xsp");
    eq(envVar(c, "HOTDESK_XSP_PASSWORD")?.valueFrom?.secretKeyRef, { name: name("xsp"), key: "password" }, "secretKeyRef");
  });
  await check("featurecodes: gRPC probes, NodePort Service with gRPC+HTTP, custom dial plan mounted from a ConfigMap", () => {
    const { docs } = render([adaptersFile]);
    const d = must(docs, "Deployment", name("featurecodes"));
    const c = container(d, "hotdesk-featurecodes");
    for (const p of ["startupProbe", "livenessProbe", "readinessProbe"]) eq(c[p]?.grpc?.port, 50061, `${p}.grpc.port`);
    const s = must(docs, "Service", name("featurecodes"));
    eq(s.spec.type, "NodePort", "type");
    eq(s.spec.ports.map((p) => p.name), ["grpc", "http"], "ports");
    const plan = must(docs, "ConfigMap", name("featurecodes-dialplan"));
    assert(plan.data["acme.plan"].includes("login = *77*{ext}#"), "custom plan content");
    eq(envMap(must(docs, "ConfigMap", name("featurecodes"))).HOTDESK_DIALPLAN, "/etc/hotdesk/dialplan/acme.plan", "HOTDESK_DIALPLAN");
    eq(podSpec(d).volumes.find((v) => v.name === "dialplan")?.configMap?.name, name("featurecodes-dialplan"), "dialplan volume");
  });
  await check("featurecodes preset dial plan: no plan ConfigMap, HOTDESK_DIALPLAN=portsip", () => {
    const { docs } = render([], ["featurecodes.enabled=true", "featurecodes.dialplan.preset=portsip", ...FC_MIN]);
    eq(envMap(must(docs, "ConfigMap", name("featurecodes"))).HOTDESK_DIALPLAN, "portsip", "preset");
    assert(!find(docs, "ConfigMap", name("featurecodes-dialplan")), "plan ConfigMap rendered");
  });
  await check("helm test pod also checks enabled adapters (featurecodes gRPC health, xsp /healthz)", () => {
    const { docs } = render([adaptersFile]);
    const c = ofKind(docs, "Pod")[0].spec.containers[0];
    eq(envVar(c, "FEATURECODES_GRPC")?.value, `${name("featurecodes")}:50061`, "FEATURECODES_GRPC");
    eq(envVar(c, "XSP_HTTP")?.value, `${name("xsp")}:9466`, "XSP_HTTP");
  });

  // -- the adapters' authentication (to the core; the PBX-facing ports)
  const ADAPTERS = ["csta", "featurecodes", "xsp"];
  const webCi = CI_FILES.find((f) => ciName(f).startsWith("web-"));
  const volumeOf = (d, mountPath, c) => {
    const m = (c.volumeMounts ?? []).find((x) => x.mountPath === mountPath);
    assert(m, `${d.metadata.name}: nothing mounted at ${mountPath}`);
    const v = podSpec(d).volumes.find((x) => x.name === m.name);
    assert(v, `${d.metadata.name}: no volume ${m.name}`);
    return v;
  };
  await check("every adapter: core token from its Secret mounted as a file (HOTDESK_CORE_TOKEN_FILE), server CA and client certificate for TLS", () => {
    const { docs } = render([adaptersFile]);
    const secrets = { csta: ["hotdesk-csta-core-token", "token"], featurecodes: ["hotdesk-featurecodes-core-token", "token"], xsp: ["hotdesk-xsp-core-token", "jwt"] };
    for (const a of ADAPTERS) {
      const d = must(docs, "Deployment", name(a));
      const c = container(d, `hotdesk-${a}`);
      const env = envMap(must(docs, "ConfigMap", name(a)));
      eq([env.HOTDESK_CORE_TOKEN_FILE, env.HOTDESK_CORE_TLS_CA, env.HOTDESK_CORE_TLS_CERT, env.HOTDESK_CORE_TLS_KEY],
         ["/etc/hotdesk/core-token/token", "/etc/hotdesk/server-ca/ca.crt", "/etc/hotdesk/core-client-tls/tls.crt", "/etc/hotdesk/core-client-tls/tls.key"], `${a} core flags`);
      // A directory mount (not subPath): Kubernetes updates the file when the Secret rotates.
      assert(!(c.volumeMounts ?? []).some((m) => m.subPath), `${a}: a subPath mount would never see a rotated token`);
      const tok = volumeOf(d, "/etc/hotdesk/core-token", c).secret;
      eq([tok?.secretName, tok?.items], [secrets[a][0], [{ key: secrets[a][1], path: "token" }]], `${a} token volume`);
      const ca = volumeOf(d, "/etc/hotdesk/server-ca", c).secret;
      eq([ca?.secretName, ca?.items], ["hotdesk-server-tls", [{ key: "ca.crt", path: "ca.crt" }]], `${a} server CA volume (fallback: server.tls.existingSecret)`);
      eq(volumeOf(d, "/etc/hotdesk/core-client-tls", c).secret?.secretName, `hotdesk-${a}-core-client-tls`, `${a} client certificate volume`);
    }
    const own = render([adaptersFile], ["server.tls.caSecret=my-ca", "server.tls.caKey=root.pem"]);
    for (const a of ADAPTERS) {
      const d = must(own.docs, "Deployment", name(a));
      const ca = volumeOf(d, "/etc/hotdesk/server-ca", container(d, `hotdesk-${a}`)).secret;
      eq([ca?.secretName, ca?.items], ["my-ca", [{ key: "root.pem", path: "ca.crt" }]], `${a} server CA from server.tls.caSecret`);
    }
  });
  await check("every adapter: no core token, CA or certificate flags when the server has neither auth nor TLS", () => {
    const { docs } = render([adaptersFile], ["server.auth.enabled=false", "server.tls.enabled=false", "server.tls.requireClientCert=false",
      "csta.coreToken.existingSecret=", "featurecodes.coreToken.existingSecret=", "xsp.coreToken.existingSecret="]);
    for (const a of ADAPTERS) {
      const keys = Object.keys(envMap(must(docs, "ConfigMap", name(a)))).filter((k) => k.startsWith("HOTDESK_CORE_"));
      eq(keys, [], `${a} core flags`);
      const d = must(docs, "Deployment", name(a));
      eq(podSpec(d).volumes.map((v) => v.name).filter((n) => /core|server-ca/.test(n)), [], `${a} core volumes`);
    }
  });
  await check("secrets never in args, env values or ConfigMaps: tokens, credentials and keys only as Secret-backed files", () => {
    const { docs } = render([adaptersFile]);
    for (const a of ADAPTERS) {
      const d = must(docs, "Deployment", name(a));
      const c = container(d, `hotdesk-${a}`);
      eq(c.args, undefined, `${a} args`);
      for (const e of c.env ?? []) assert(e.valueFrom || !/TOKEN|PASSWORD|SECRET|CREDENTIAL|KEY/.test(e.name), `${a}: ${e.name} has a literal value`);
      const env = envMap(must(docs, "ConfigMap", name(a)));
      for (const [k, v] of Object.entries(env)) {
        assert(!/^HOTDESK_CORE_TOKEN$|PASSWORD|SECRET$/.test(k), `${a} ConfigMap carries ${k}`);
        if (/TOKEN|CREDENTIALS|TLS_KEY/.test(k)) assert(v.startsWith("/etc/hotdesk/"), `${a} ConfigMap ${k} is not a file path: ${v}`);
      }
    }
    // the secret volumes really are Secrets (not ConfigMaps)
    const fc = must(docs, "Deployment", name("featurecodes"));
    const c = container(fc, "hotdesk-featurecodes");
    eq(volumeOf(fc, "/etc/hotdesk/pbx-credentials", c).secret?.secretName, "hotdesk-pbx-credentials", "PBX credentials volume");
    eq(volumeOf(fc, "/etc/hotdesk/provisioning-credentials", c).secret?.secretName, "hotdesk-provisioning-credentials", "provisioning credentials volume");
  });
  await check("an enabled adapter without a core token is refused while the server authenticates; each names its value", () => {
    for (const a of ADAPTERS) {
      const err = renderFails([`${a}.coreToken.existingSecret=`], [adaptersFile]);
      assert(err.includes(`${a}.coreToken.existingSecret`) && /refuses calls without a token/.test(err), `${a}: unexpected error: ${err.trim()}`);
    }
    const ok = render([], ["server.auth.enabled=false", "featurecodes.enabled=true", "featurecodes.insecure.pbxNoAuth=true", "featurecodes.insecure.provisioningOpen=true"]);
    assert(!("HOTDESK_CORE_TOKEN_FILE" in envMap(must(ok.docs, "ConfigMap", name("featurecodes")))), "token file without a token");
  });
  await check("server.tls.requireClientCert: an adapter without coreTls.clientCertSecret is refused", () => {
    for (const a of ADAPTERS) {
      const err = renderFails([`${a}.coreTls.clientCertSecret=`], [adaptersFile]);
      assert(err.includes(`${a}.coreTls.clientCertSecret`), `${a}: unexpected error: ${err.trim()}`);
    }
  });
  await check("featurecodes refused without a PBX-auth choice or without a provisioning choice; the insecure opt-outs render their flags and exclude a choice", () => {
    const base = ["featurecodes.enabled=true", "featurecodes.coreToken.existingSecret=t"];
    let err = renderFails([...base, "featurecodes.provisioning.allowNetworks={10.0.0.0/8}"]);
    assert(/featurecodes\.pbxAuth\.publicKeys/.test(err) && /featurecodes\.insecure\.pbxNoAuth/.test(err), `no PBX auth: ${err.trim()}`);
    err = renderFails([...base, "featurecodes.pbxAuth.credentials.existingSecret=p"]);
    assert(/featurecodes\.provisioning\.credentials\.existingSecret/.test(err) && /featurecodes\.insecure\.provisioningOpen/.test(err), `no provisioning: ${err.trim()}`);
    err = renderFails([...FC_MIN, "featurecodes.enabled=true", "featurecodes.insecure.pbxNoAuth=true"]);
    assert(/pbxNoAuth and featurecodes\.pbxAuth: choose one/.test(err), `both: ${err.trim()}`);
    err = renderFails([...FC_MIN, "featurecodes.enabled=true", "featurecodes.insecure.provisioningOpen=true"]);
    assert(/provisioningOpen and featurecodes\.provisioning: choose one/.test(err), `both: ${err.trim()}`);
    err = renderFails([...FC_MIN, "featurecodes.enabled=true", "featurecodes.pbxAuth.existingConfigMap=k"]);
    assert(/existingConfigMapKeys/.test(err), `existingConfigMap without keys: ${err.trim()}`);
    const { docs } = render([], [...base, "featurecodes.insecure.pbxNoAuth=true", "featurecodes.insecure.provisioningOpen=true"]);
    const env = envMap(must(docs, "ConfigMap", name("featurecodes")));
    eq([env.HOTDESK_INSECURE_PBX_NO_AUTH, env.HOTDESK_INSECURE_PROVISIONING_OPEN, env.HOTDESK_PBX_AUTH_KEYS, env.HOTDESK_PROVISIONING_ALLOW_NETWORKS],
       ["true", "true", undefined, undefined], "insecure flags");
    const min = envMap(must(render([], ["featurecodes.enabled=true", ...FC_MIN]).docs, "ConfigMap", name("featurecodes")));
    assert(!("HOTDESK_INSECURE_PBX_NO_AUTH" in min) && !("HOTDESK_INSECURE_PROVISIONING_OPEN" in min), "insecure flags rendered by default");
  });
  await check("featurecodes PBX keys: inline PEM in the chart's ConfigMap, or an existing ConfigMap's keys, mounted for --pbx_auth_keys", () => {
    const { docs } = render([adaptersFile]);
    const cm = must(docs, "ConfigMap", name("featurecodes-pbx-auth"));
    assert(/BEGIN PUBLIC KEY/.test(cm.data["keys.pem"] ?? ""), "keys.pem lacks the PEM");
    const d = must(docs, "Deployment", name("featurecodes"));
    const c = container(d, "hotdesk-featurecodes");
    eq(volumeOf(d, "/etc/hotdesk/pbx-auth", c).configMap?.name, name("featurecodes-pbx-auth"), "pbx-auth volume");
    const env = envMap(must(docs, "ConfigMap", name("featurecodes")));
    eq([env.HOTDESK_PBX_AUTH_KEYS, env.HOTDESK_PBX_CREDENTIALS_FILE, env.HOTDESK_PROVISIONING_CREDENTIALS_FILE, env.HOTDESK_PROVISIONING_ALLOW_NETWORKS],
       ["/etc/hotdesk/pbx-auth/keys.pem", "/etc/hotdesk/pbx-credentials/credentials", "/etc/hotdesk/provisioning-credentials/credentials", "10.20.0.0/16"], "flags");
    const ext = render([webCi]);
    assert(!find(ext.docs, "ConfigMap", name("featurecodes-pbx-auth")), "chart ConfigMap next to an existing one");
    const d2 = must(ext.docs, "Deployment", name("featurecodes"));
    eq(volumeOf(d2, "/etc/hotdesk/pbx-auth", container(d2, "hotdesk-featurecodes")).configMap?.name, "pbx-token-issuer", "existing ConfigMap volume");
    const env2 = envMap(must(ext.docs, "ConfigMap", name("featurecodes")));
    eq([env2.HOTDESK_PBX_AUTH_KEYS, env2.HOTDESK_PROVISIONING_ALLOW_NETWORKS], ["/etc/hotdesk/pbx-auth/jwks.json", "10.20.0.0/16,10.244.0.0/16"], "existing keys");
    // an existing ConfigMap replaces inline keys
    const both = render([adaptersFile, webCi], ["server.tls.requireClientCert=false"]);
    assert(!find(both.docs, "ConfigMap", name("featurecodes-pbx-auth")), "chart ConfigMap rendered although an existing one replaces it");
    eq(envMap(must(both.docs, "ConfigMap", name("featurecodes"))).HOTDESK_PBX_AUTH_KEYS, "/etc/hotdesk/pbx-auth/jwks.json", "keys with both");
  });
  await check("csta: allow-list, trusted networks, frame rate and burst, client CA for mTLS; client CA needs TLS", () => {
    const { docs } = render([adaptersFile]);
    const env = envMap(must(docs, "ConfigMap", name("csta")));
    eq([env.HOTDESK_ALLOW_NETWORKS, env.HOTDESK_TRUSTED_NETWORKS, env.HOTDESK_MAX_FRAMES_PER_SECOND, env.HOTDESK_MAX_FRAME_BURST, env.HOTDESK_TLS_CLIENT_CA],
       ["192.0.2.0/24,198.51.100.7", "198.51.100.7/32", "50", "500", "/etc/hotdesk/csta-client-ca/ca.crt"], "csta flags");
    const d = must(docs, "Deployment", name("csta"));
    const v = volumeOf(d, "/etc/hotdesk/csta-client-ca", container(d, "hotdesk-csta")).secret;
    eq([v?.secretName, v?.items], ["hotdesk-csta-client-ca", [{ key: "ca.crt", path: "ca.crt" }]], "client CA volume");
    const dflt = envMap(must(render([], ["csta.enabled=true", "csta.coreToken.existingSecret=t"]).docs, "ConfigMap", name("csta")));
    eq([dflt.HOTDESK_ALLOW_NETWORKS, dflt.HOTDESK_TRUSTED_NETWORKS, dflt.HOTDESK_MAX_FRAMES_PER_SECOND, dflt.HOTDESK_MAX_FRAME_BURST, dflt.HOTDESK_TLS_CLIENT_CA],
       [undefined, undefined, "100", "2000", undefined], "csta defaults");
    const err = renderFails(["csta.enabled=true", "csta.coreToken.existingSecret=t", "csta.tls.clientCASecret=ca"]);
    assert(/csta\.tls\.clientCASecret .*needs csta\.tls\.enabled/.test(err), `unexpected error: ${err.trim()}`);
    const bad = renderFails(["csta.enabled=true", "csta.coreToken.existingSecret=t", "csta.allowNetworks={not a network}"]);
    assert(/schema/.test(bad), `schema accepted a bad network: ${bad.trim()}`);
  });
  // Every HOTDESK_* variable an adapter gets (ConfigMap and env) is a flag its binary knows.
  await check("every HOTDESK_* variable rendered for csta/featurecodes/xsp is a flag of that binary", () => {
    const bins = { csta: process.env.HOTDESK_CSTA_BIN, featurecodes: process.env.HOTDESK_FEATURECODES_BIN, xsp: process.env.HOTDESK_XSP_BIN };
    if (Object.values(bins).some((b) => !b || !existsSync(b))) return "skip";
    const flags = {};
    for (const [a, bin] of Object.entries(bins)) {
      const r = spawnSync(bin, ["--helpfull"], { encoding: "utf8" });
      flags[a] = new Set([...(r.stdout + r.stderr).matchAll(/^\s+--([a-z0-9_]+) \(/gm)].map((m) => m[1]));
      assert(flags[a].has("core_token_file"), `${bin} --helpfull lists no --core_token_file`);
    }
    const renders = [[[adaptersFile], []], [[webCi], []],
                     [[], ["server.auth.enabled=false", "featurecodes.enabled=true", "featurecodes.insecure.pbxNoAuth=true", "featurecodes.insecure.provisioningOpen=true"]]];
    let seen = 0;
    for (const [files, sets] of renders) {
      const { docs } = render(files, sets);
      for (const a of ADAPTERS) {
        const cm = find(docs, "ConfigMap", name(a));
        if (!cm) continue;
        const c = container(must(docs, "Deployment", name(a)), `hotdesk-${a}`);
        for (const key of [...Object.keys(envMap(cm)), ...(c.env ?? []).map((e) => e.name)].filter((k) => k.startsWith("HOTDESK_"))) {
          const flag = key.replace(/^HOTDESK_/, "").toLowerCase();
          assert(flags[a].has(flag), `${JSON.stringify([files.map(ciName), sets])}: hotdesk-${a} gets ${key}, but has no --${flag}`);
          seen++;
        }
      }
    }
    assert(seen > 50, `only ${seen} variables checked`);
  });
  await check("hotdesk-featurecodes starts with the rendered variables and files, and its HTTP port enforces the rendered access", async () => {
    const bin = process.env.HOTDESK_FEATURECODES_BIN;
    if (!bin || !existsSync(bin)) return "skip";
    // TLS off: the test has no CA; the paths under /etc/hotdesk are recreated in a temp folder.
    const { docs } = render([adaptersFile], ["server.tls.requireClientCert=false", "server.tls.enabled=false"]);
    const dir = mkdtempSync(path.join(tmpdir(), "hotdesk-chart-fc-"));
    const files = {
      "core-token/token": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln\n",
      "pbx-auth/keys.pem": must(docs, "ConfigMap", name("featurecodes-pbx-auth")).data["keys.pem"],
      "pbx-credentials/credentials": "", "provisioning-credentials/credentials": "",
      "dialplan/acme.plan": must(docs, "ConfigMap", name("featurecodes-dialplan")).data["acme.plan"],
    };
    for (const [f, body] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      writeFileSync(path.join(dir, f), body);
    }
    const env = {};
    for (const [k, v] of Object.entries(envMap(must(docs, "ConfigMap", name("featurecodes"))))) {
      env[k] = v.split(",").map((x) => x.replace(/^\/etc\/hotdesk\//, `${dir}/`)).join(",");
    }
    Object.assign(env, { HOTDESK_SERVER: "127.0.0.1:1", HOTDESK_LISTEN: "127.0.0.1:0", HOTDESK_HTTP_LISTEN: "127.0.0.1:0",
                         HOTDESK_METRICS_LISTEN: "", HOTDESK_SESSION_SECRET: "x".repeat(48) });
    const p = spawn(bin, [], { env: { PATH: process.env.PATH, ...env } });
    const exited = new Promise((resolve) => p.on("exit", resolve));
    let out = "";
    try {
      const port = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line in 20 s:\n${out}`)), 20_000);
        p.stdout.on("data", (d) => {
          out += d;
          const m = out.match(/http listening on port (\d+)/);
          if (m) { clearTimeout(timer); resolve(Number(m[1])); }
        });
        p.stderr.on("data", (d) => (out += d));
        p.on("exit", (code) => { clearTimeout(timer); reject(new Error(`hotdesk-featurecodes exited ${code} with the rendered flags:\n${out}`)); });
      });
      // 127.0.0.1 is outside provisioning.allowNetworks and brings no credentials; the PBX API wants a token.
      const prov = await fetch(`http://127.0.0.1:${port}/provisioning/001122334455.cfg`);
      assert(prov.status === 401 || prov.status === 403, `profile served to an unlisted client without credentials: ${prov.status}`);
      const dial = await fetch(`http://127.0.0.1:${port}/v1/dial`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      eq(dial.status, 401, "/v1/dial without credentials");
    } finally {
      if (p.exitCode === null && p.signalCode === null) p.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // -- hotdesk-web
  const webFile = CI_FILES.find((f) => ciName(f).startsWith("web-"));
  const webOn = ["web.enabled=true"];
  await check("web: off by default; on, a Deployment running hotdesk-web with HTTP /healthz probes, ports http and metrics", () => {
    const d = must(render([], webOn).docs, "Deployment", name("web"));
    eq(d.spec.replicas, 2, "replicas");
    eq(d.spec.strategy.rollingUpdate.maxUnavailable, 0, "maxUnavailable");
    const c = container(d, "hotdesk-web");
    eq(c.command, ["/usr/local/bin/hotdesk-web"], "command");
    eq(c.args, undefined, "args");
    eq(c.ports.map((p) => [p.name, p.containerPort]), [["http", 8088], ["metrics", 9468]], "ports");
    for (const p of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      eq(c[p]?.httpGet, { path: "/healthz", port: "http", scheme: "HTTP" }, `${p}.httpGet`);
    }
    eq(c.lifecycle?.preStop?.exec?.command, ["/bin/sleep", "5"], "preStop");
    assert(podSpec(d).affinity?.podAntiAffinity, "no pod anti-affinity");
    eq(envVar(c, "HOTDESK_SESSION_SECRET")?.valueFrom?.secretKeyRef, { name: name("web"), key: "session-secret" }, "session secret from the chart's Secret");
  });
  await check("web: ConfigMap flags point at this release's server (plaintext without server TLS), no adapters when they are off", () => {
    const { docs } = render([], webOn);
    const env = envMap(must(docs, "ConfigMap", name("web")));
    eq(env.HOTDESK_SERVER, `${name("server")}:50051`, "HOTDESK_SERVER");
    eq(env.HOTDESK_LISTEN, "0.0.0.0:8088", "HOTDESK_LISTEN");
    eq(env.HOTDESK_METRICS_LISTEN, "0.0.0.0:9468", "HOTDESK_METRICS_LISTEN");
    eq([env.HOTDESK_CORE_TIMEOUT, env.HOTDESK_MAX_BODY_BYTES, env.HOTDESK_SSE_HEARTBEAT, env.HOTDESK_HTTP_THREADS, env.HOTDESK_SESSION_TTL],
       ["10s", "65536", "15s", "64", "12h"], "tunables");
    eq([env.HOTDESK_FEATURECODES_URL, env.HOTDESK_ADAPTERS], ["", ""], "adapter links with no adapters");
    for (const k of ["HOTDESK_SERVER_TLS_CA", "HOTDESK_TLS_CERT", "HOTDESK_SESSION_SECRET"]) assert(!(k in env), `${k} in the ConfigMap`);
    const s = must(docs, "Service", name("web"));
    eq(s.spec.ports.map((p) => [p.name, p.port, p.targetPort, p.appProtocol]), [["http", 8088, "http", "http"]], "Service ports");
    eq(must(docs, "Service", name("web-metrics")).spec.ports[0].port, 9468, "metrics Service");
    eq(must(docs, "PodDisruptionBudget", name("web")).spec.maxUnavailable, 1, "PDB");
    eq(ofKind(docs, "Ingress").length, 0, "Ingress without web.ingress.enabled");
  });
  await check("web session secret: generated by the chart only when none is given, reaches the process as env from the Secret, never in args or a ConfigMap", () => {
    const gen = render([], [...webOn, "web.extraArgs={--log_level=debug}"]);
    const s = must(gen.docs, "Secret", name("web"));
    const secret = Buffer.from(s.data["session-secret"], "base64").toString();
    assert(secret.length >= 32, `generated secret has ${secret.length} characters`);
    const withoutSecret = gen.docs.filter((d) => d !== s);
    assert(!JSON.stringify(withoutSecret).includes(secret), "the session secret appears outside its Secret");
    const c = container(must(gen.docs, "Deployment", name("web")), "hotdesk-web");
    eq(c.args, ["--log_level=debug"], "extraArgs");
    assert(!(c.args ?? []).concat(c.command).some((a) => /session/.test(a)), "session secret flag on the command line");
    const { docs } = render([webFile]);
    assert(!find(docs, "Secret", name("web")), "chart renders a session Secret despite web.sessionSecret.existingSecret");
    const ce = container(must(docs, "Deployment", name("web")), "hotdesk-web");
    eq(envVar(ce, "HOTDESK_SESSION_SECRET")?.valueFrom?.secretKeyRef, { name: "hotdesk-web-session", key: "key" }, "existing Secret");
    for (const d of docs.filter((x) => ["Deployment", "Pod"].includes(x.kind))) {
      for (const k of podSpec(d).containers) {
        assert(!(k.env ?? []).some((e) => e.name === "HOTDESK_SESSION_SECRET" && "value" in e), `${d.metadata.name}: session secret as a literal env value`);
      }
    }
  });
  await check("web with server TLS: --server_tls_ca from the CA Secret (server.tls.caSecret, else the server's own Secret)", () => {
    const { docs } = render([webFile]);
    eq(envMap(must(docs, "ConfigMap", name("web"))).HOTDESK_SERVER_TLS_CA, "/etc/hotdesk/server-ca/ca.crt", "HOTDESK_SERVER_TLS_CA");
    const d = must(docs, "Deployment", name("web"));
    eq(podSpec(d).volumes.find((v) => v.name === "server-ca")?.secret, { secretName: "hotdesk-ca", items: [{ key: "ca.crt", path: "ca.crt" }] }, "CA volume");
    eq(container(d, "hotdesk-web").volumeMounts.find((m) => m.name === "server-ca")?.mountPath, "/etc/hotdesk/server-ca", "CA mount");
    const own = render([], [...webOn, "server.tls.enabled=true", "server.tls.existingSecret=srv-tls", "server.tls.caKey=root.pem"]).docs;
    eq(podSpec(must(own, "Deployment", name("web"))).volumes.find((v) => v.name === "server-ca")?.secret,
       { secretName: "srv-tls", items: [{ key: "root.pem", path: "ca.crt" }] }, "CA from server.tls.existingSecret");
  });
  await check("web wired to this release's adapters: --featurecodes_url and --adapters health URLs; values override them", () => {
    const env = envMap(must(render([webFile]).docs, "ConfigMap", name("web")));
    eq(env.HOTDESK_FEATURECODES_URL, `http://${name("featurecodes")}:8080`, "featurecodes_url");
    eq(env.HOTDESK_ADAPTERS, `featurecodes=http://${name("featurecodes")}:8080/healthz,xsp=http://${name("xsp")}:9466/healthz`, "adapters");
    const all = envMap(must(render([adaptersFile], [...webOn, "server.tls.requireClientCert=false"]).docs, "ConfigMap", name("web")));
    assert(all.HOTDESK_ADAPTERS.endsWith(`,csta=http://${name("csta-metrics")}:9465/metrics`), `csta: ${all.HOTDESK_ADAPTERS}`);
    const own = envMap(must(render([webFile], ["web.config.featurecodesUrl=http://fc.pbx:8080", "web.config.adapters=fc=http://fc.pbx:8080/healthz"]).docs, "ConfigMap", name("web")));
    eq([own.HOTDESK_FEATURECODES_URL, own.HOTDESK_ADAPTERS], ["http://fc.pbx:8080", "fc=http://fc.pbx:8080/healthz"], "overrides");
  });
  await check("web Ingress: host, class, TLS Secret (default name), backend = the web Service's http port", () => {
    const { docs } = render([webFile]);
    const i = must(docs, "Ingress", name("web"));
    eq(i.spec.ingressClassName, "nginx", "className");
    eq(i.spec.tls, [{ hosts: ["hotdesk.example.com"], secretName: `${name("web")}-ingress-tls` }], "tls");
    eq(i.spec.rules, [{ host: "hotdesk.example.com", http: { paths: [{ path: "/", pathType: "Prefix",
      backend: { service: { name: name("web"), port: { name: "http" } } } }] } }], "rules");
    eq(i.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt", "annotations");
  });
  await check("web serving HTTPS itself: certificate from its Secret, HTTPS probes, appProtocol https, helm test over https", () => {
    const { docs } = render([], [...webOn, "web.tls.enabled=true", "web.tls.existingSecret=web-tls"]);
    const env = envMap(must(docs, "ConfigMap", name("web")));
    eq([env.HOTDESK_TLS_CERT, env.HOTDESK_TLS_KEY], ["/etc/hotdesk/web-tls/tls.crt", "/etc/hotdesk/web-tls/tls.key"], "TLS flags");
    const d = must(docs, "Deployment", name("web"));
    eq(podSpec(d).volumes.find((v) => v.name === "tls")?.secret?.secretName, "web-tls", "tls volume");
    eq(container(d, "hotdesk-web").readinessProbe.httpGet.scheme, "HTTPS", "probe scheme");
    eq(must(docs, "Service", name("web")).spec.ports[0].appProtocol, "https", "appProtocol");
    eq(envVar(ofKind(docs, "Pod")[0].spec.containers[0], "WEB_URL")?.value, `https://${name("web")}:8088`, "WEB_URL");
  });
  await check("web NetworkPolicy: HTTP from release pods, labelled clients and web.networkPolicy.ingressFrom; egress to the server and the adapters it checks", () => {
    const { docs } = render([webFile]);
    const np = must(docs, "NetworkPolicy", name("web"));
    const http = np.spec.ingress.find((r) => r.ports.some((p) => p.port === 8088));
    const peers = http.from ?? [];
    assert(peers.some((p) => p.podSelector?.matchLabels?.["app.kubernetes.io/instance"] === RELEASE && !p.podSelector.matchLabels["app.kubernetes.io/component"]), "no release-pods peer");
    assert(peers.some((p) => p.podSelector?.matchLabels?.[`${RELEASE}-client`] === "true"), "no client-label peer");
    assert(peers.some((p) => p.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "ingress-nginx"), "no ingress-controller peer");
    assert(np.spec.ingress.some((r) => r.ports.some((p) => p.port === 9468)), "no metrics rule");
    const egress = (comp, port) => np.spec.egress.some((e) => e.ports?.some((p) => p.port === port) &&
      e.to?.some((t) => t.podSelector?.matchLabels?.["app.kubernetes.io/component"] === comp));
    for (const [comp, port] of [["server", 50051], ["featurecodes", 8080], ["xsp", 9466]]) assert(egress(comp, port), `no egress to ${comp}:${port}`);
    assert(!np.spec.egress.some((e) => Object.keys(e).length === 0), "egress allows everything");
    // and the other side admits it: the server's gRPC port and the feature codes' HTTP port
    const webLabels = must(docs, "Deployment", name("web")).spec.template.metadata.labels;
    const admits = (comp, port) => must(docs, "NetworkPolicy", name(comp)).spec.ingress.some((r) => r.ports.some((p) => p.port === port) &&
      (!r.from || r.from.some((peer) => peer.podSelector && !peer.namespaceSelector &&
        Object.entries(peer.podSelector.matchLabels ?? {}).every(([k, v]) => webLabels[k] === v))));
    assert(admits("server", 50051), "the server's policy does not admit hotdesk-web");
    assert(admits("featurecodes", 8080), "the feature codes' policy does not admit hotdesk-web");
    const open = render([], [...webOn, "networkPolicy.allowExternal=true"]).docs;
    assert(!must(open, "NetworkPolicy", name("web")).spec.ingress[0].from, "allowExternal=true still restricts");
  });
  await check("web: ServiceMonitor selects it, helm test checks its /healthz", () => {
    const { docs } = render([webFile]);
    assert(must(docs, "ServiceMonitor", RELEASE).spec.selector.matchExpressions[0].values.includes("web"), "web not in the ServiceMonitor");
    eq(envVar(ofKind(docs, "Pod")[0].spec.containers[0], "WEB_URL")?.value, `http://${name("web")}:8088`, "WEB_URL");
  });
  await check("NOTES: web URLs (cluster, Ingress, port-forward); warns when a locked-down policy leaves the Ingress controller out", () => {
    const notes = (sets, files = []) => {
      const args = ["install", RELEASE, CHART, "--namespace", NS, "--dry-run=client", ...valueArgs(files, sets)];
      const r = helm(args);
      assert(r.status === 0, r.stderr);
      return r.stdout.split("NOTES:")[1] ?? "";
    };
    const n = notes([], [webFile]);
    assert(n.includes(`http://${name("web")}.${NS}.svc:8088/`), `no cluster URL:\n${n}`);
    assert(n.includes("https://hotdesk.example.com/"), "no Ingress URL");
    assert(!/WARNING: the NetworkPolicy admits only/.test(n), "warning despite web.networkPolicy.ingressFrom");
    const bare = notes([...webOn, "web.ingress.enabled=true", "web.ingress.host=hd.example.com"]);
    assert(/WARNING: the NetworkPolicy admits only/.test(bare), "no warning for an unreachable Ingress");
    assert(/NOTE: web\.ingress\.tls\.enabled is false/.test(bare), "no plaintext note");
    assert(!/hotdesk-web/.test(notes([])), "web lines while web is off");
  });
  await check("every HOTDESK_* variable rendered for hotdesk-web is a flag of the binary, and the binary starts with them", async () => {
    const bin = process.env.HOTDESK_WEB_BIN;
    if (!bin || !existsSync(bin)) return "skip";
    const r = spawnSync(bin, ["--helpfull"], { encoding: "utf8" });
    const flags = new Set([...(r.stdout + r.stderr).matchAll(/^\s+--([a-z0-9_]+) \(/gm)].map((m) => m[1]));
    assert(flags.has("session_secret") && flags.has("server_tls_ca"), `${bin} --helpfull lists no --session_secret/--server_tls_ca`);
    const renders = [[[webFile], []], [[], webOn], [[adaptersFile], [...webOn, "server.tls.requireClientCert=false"]],
                     [[], [...webOn, "web.tls.enabled=true", "web.tls.existingSecret=x", "metrics.enabled=false"]]];
    for (const [files, sets] of renders) {
      const { docs } = render(files, sets);
      const c = container(must(docs, "Deployment", name("web")), "hotdesk-web");
      const keys = [...Object.keys(envMap(must(docs, "ConfigMap", name("web")))), ...(c.env ?? []).map((e) => e.name)];
      for (const key of keys.filter((k) => k.startsWith("HOTDESK_"))) {
        const flag = key.replace(/^HOTDESK_/, "").toLowerCase();
        assert(flags.has(flag), `${JSON.stringify([files.map(ciName), sets])}: hotdesk-web gets ${key}, but has no --${flag}`);
      }
    }
    // The rendered values parse: start it with the adapters render's variables (listening on free
    // local ports instead of the container's), and its /healthz answers.
    const { docs } = render([adaptersFile, webFile], ["server.tls.requireClientCert=false", "server.tls.enabled=false"]);
    const env = { ...envMap(must(docs, "ConfigMap", name("web"))), HOTDESK_LISTEN: "127.0.0.1:0", HOTDESK_METRICS_LISTEN: "127.0.0.1:0",
                  HOTDESK_SESSION_SECRET: "x".repeat(48) };
    assert(env.HOTDESK_ADAPTERS.split(",").length === 3 && env.HOTDESK_FEATURECODES_URL, `not every link rendered: ${JSON.stringify(env)}`);
    const p = spawn(bin, [], { env: { PATH: process.env.PATH, ...env } });
    const exited = new Promise((resolve) => p.on("exit", resolve));
    let out = "";
    try {
      const port = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line in 20 s:\n${out}`)), 20_000);
        const seen = (d) => {
          out += d;
          const m = out.match(/http listening on port (\d+)/);
          if (m) { clearTimeout(timer); resolve(Number(m[1])); }
        };
        p.stdout.on("data", seen);
        p.stderr.on("data", (d) => (out += d));
        p.on("exit", (code) => { clearTimeout(timer); reject(new Error(`hotdesk-web exited ${code} with the rendered flags:\n${out}`)); });
      });
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      eq(res.status, 200, "/healthz status");
    } finally {
      if (p.exitCode === null && p.signalCode === null) p.kill("SIGTERM");
      await exited;
    }
  });
  await check("helm test script: checks hotdesk-web's /healthz when WEB_URL is set, and fails when it does not answer", async () => {
    if (spawnSync("sh", ["-c", "command -v curl && command -v od"]).status !== 0) return "skip";
    if (!/HTTP2/.test(spawnSync("curl", ["--version"], { encoding: "utf8" }).stdout)) return "skip";
    const { docs } = render([], webOn);
    const script = ofKind(docs, "Pod")[0].spec.containers[0].args[0];
    const state = { mode: "serving", requests: [] };
    const health = await startFakeHealthServer(state);
    const web = await new Promise((resolve) => {
      const s = createServer((req, res) => { res.writeHead(req.url === "/healthz" ? 200 : 404); res.end("ok\n"); });
      s.listen(0, "127.0.0.1", () => resolve({ port: s.address().port, close: () => s.close() }));
    });
    try {
      const env = { SERVER_GRPC: `127.0.0.1:${health.port}`, HEALTH_ATTEMPTS: "1" };
      let r = await runShell(script, { ...env, WEB_URL: `http://127.0.0.1:${web.port}` });
      assert(r.code === 0 && /ok {3}hotdesk-web healthz/.test(r.out), `web up: exit ${r.code}\n${r.out}`);
      r = await runShell(script, { ...env, WEB_URL: "http://127.0.0.1:1" });
      assert(r.code !== 0 && /FAIL hotdesk-web healthz/.test(r.out), `web down: exit ${r.code}\n${r.out}`);
    } finally {
      health.close();
      web.close();
    }
  });

  // -- HPA + ServiceMonitor
  const hpaFile = CI_FILES.find((f) => ciName(f).startsWith("hpa-servicemonitor"));
  await check("HPA: targets the server Deployment, which then has no fixed replicas; PDB minAvailable", () => {
    const { docs } = render([hpaFile]);
    const h = must(docs, "HorizontalPodAutoscaler", name("server"));
    eq(h.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: name("server") }, "scaleTargetRef");
    eq([h.spec.minReplicas, h.spec.maxReplicas], [3, 12], "bounds");
    eq(h.spec.metrics.map((m) => m.resource.name), ["cpu", "memory"], "metrics");
    assert(!("replicas" in must(docs, "Deployment", name("server")).spec), "Deployment still sets replicas");
    const pdb = must(docs, "PodDisruptionBudget", name("server"));
    eq([pdb.spec.minAvailable, pdb.spec.maxUnavailable], [2, undefined], "pdb");
  });
  await check("ServiceMonitor: port metrics on the enabled components, labels for the Prometheus selector", () => {
    const { docs } = render([hpaFile]);
    const sm = must(docs, "ServiceMonitor", RELEASE);
    eq(sm.metadata.labels.release, "kube-prometheus-stack", "label");
    eq(sm.spec.endpoints.map((e) => [e.port, e.path, e.interval, e.scrapeTimeout]), [["metrics", "/metrics", "15s", "10s"]], "endpoints");
    eq(sm.spec.selector.matchExpressions[0].values, ["server", "featurecodes"], "components");
    // Every selected Service that has a metrics port is one of ours.
    const selected = ofKind(docs, "Service").filter((s) => s.spec.ports.some((p) => p.name === "metrics"));
    eq(selected.map((s) => s.metadata.name).sort(), [name("featurecodes-metrics"), name("server")], "metrics Services");
  });
  await check("PrometheusRule and Grafana dashboard: the shipped files, labelled for their selectors", () => {
    const { docs } = render([hpaFile]);
    const rule = must(docs, "PrometheusRule", RELEASE);
    eq(rule.metadata.labels.release, "kube-prometheus-stack", "rule label");
    const shipped = parseYaml(readFileSync(path.join(CHART, "files", "alerts.yaml"), "utf8"));
    // Same content; key order is Helm's (sorted).
    const canon = (v) => Array.isArray(v) ? v.map(canon) : v && typeof v === "object"
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
    eq(canon(rule.spec), canon(shipped), "spec is files/alerts.yaml");
    const cm = must(docs, "ConfigMap", name("dashboard"));
    eq(cm.metadata.labels.grafana_dashboard, "1", "sidecar label");
    eq(cm.metadata.annotations.grafana_folder, "Telephony", "folder annotation");
    const dash = JSON.parse(cm.data["hotdesk.json"]);
    eq(dash.uid, "hotdesk-overview", "dashboard uid");
    const { docs: plain } = render([]);
    eq(ofKind(plain, "PrometheusRule").length + plain.filter((d) => d.metadata.name === name("dashboard")).length, 0,
      "off by default");
  });
  const memoryFile = CI_FILES.find((f) => ciName(f).startsWith("memory-store"));
  await check("memory store + metrics off: no Redis flags, no metrics ports, no policies, no test pod", () => {
    const { docs } = render([memoryFile]);
    const env = envMap(must(docs, "ConfigMap", name("server")));
    eq(env.HOTDESK_STORE, "memory", "store");
    assert(!("HOTDESK_REDIS_ADDR" in env), "redis addr set for the memory store");
    eq(env.HOTDESK_METRICS_LISTEN, "", "metrics disabled");
    const c = container(must(docs, "Deployment", name("server")), "hotdesk-server");
    eq(c.ports.map((p) => p.name), ["grpc", "health"], "ports");
    eq(ofKind(docs, "NetworkPolicy").length + ofKind(docs, "Pod").length + ofKind(docs, "ServiceAccount").length, 0, "extra objects");
    eq(podSpec(must(docs, "Deployment", name("server"))).serviceAccountName, "default", "service account");
  });
  await check("image: tag defaults to appVersion; digest and registry are honoured", () => {
    const img = (sets) => container(must(render([], sets).docs, "Deployment", name("server")), "hotdesk-server").image;
    eq(img([]), "hotdesk:0.1.0", "default");
    const digest = "sha256:" + "a".repeat(64);
    eq(img(["image.registry=registry.example.com/", "image.repository=team/hotdesk", `image.digest=${digest}`]),
      `registry.example.com/team/hotdesk@${digest}`, "digest");
  });
  await check("a 53-character release name keeps every Service name a valid DNS label (<= 63)", () => {
    const long = "r".repeat(53);
    const docs = [];
    for (const f of [adaptersFile, webFile]) {
      const r = helm(["template", long, CHART, "-f", BASE, "-f", f, "--set", "redis.mode=bundled"]);
      assert(r.status === 0, r.stderr);
      docs.push(...parseAllDocuments(r.stdout).map((d) => d.toJSON()).filter(Boolean));
    }
    assert(docs.some((d) => d.kind === "Service" && d.metadata.name.endsWith("-web-metrics")), "no web Services rendered");
    for (const d of docs.filter((x) => ["Service", "Ingress"].includes(x.kind))) {
      assert(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/.test(d.metadata.name), `Service name ${d.metadata.name} (${d.metadata.name.length})`);
    }
    for (const d of docs) {
      for (const v of Object.values(d.metadata.labels ?? {})) assert(String(v).length <= 63, `label value ${v} too long`);
    }
  });
  await check("large whole numbers reach the ConfigMap without exponent notation", () => {
    const env = envMap(must(render([], ["server.config.streamRetention=25000000"]).docs, "ConfigMap", name("server")));
    eq(env.HOTDESK_STREAM_RETENTION, "25000000", "retention");
  });

  // -- schema rejections and template-level checks
  const rejections = [
    [["server.replicaCount=0"], /server\/replicaCount/],
    [["replicaCount=3"], /additional propert.*replicaCount/],
    [["server.replicas=3"], /additional propert.*replicas/],
    [["xsp.replicaCount=2"], /additional propert.*replicaCount/],
    [["redis.mode=proxy"], /redis\/mode/],
    [["redis.mode=sentinel"], /redis\/sentinel\/sentinels.*minItems/],
    [["redis.mode=sentinel", "redis.sentinel.sentinels={s0:26379}"], /redis\/sentinel\/masterName.*minLength/],
    [["redis.mode=cluster"], /redis\/cluster\/nodes.*minItems/],
    [["redis.mode=cluster", "redis.cluster.nodes={n0:6379}", "redis.db=1"], /redis\/db/],
    [["redis.mode=bundled", "redis.waitReplicas=1"], /redis\/waitReplicas/],
    [["redis.sentinel.sentinels={sentinel-0}"], /redis\/sentinel\/sentinels\/0/],
    [["redis.cluster.nodes={n0:6379,n0:6379}"], /redis\/cluster\/nodes.*are equal/],
    [["redis.waitReplicas=-1"], /redis\/waitReplicas/],
    [["redis.waitTimeout=soon"], /redis\/waitTimeout/],
    [["redis.sentinel.masterName=a b"], /redis\/sentinel\/masterName/],
    [["logging.level=verbose"], /logging\/level/],
    [["server.containerPorts.grpc=70000"], /containerPorts\/grpc/],
    [["--set-string", "server.replicaCount=two"], /server\/replicaCount/],
    [["server.config.requestIdTtl=1day"], /requestIdTtl/],
    [["server.startupProbe.successThreshold=2"], /startupProbe\/successThreshold/],
    [["csta.service.type=Ingress"], /csta\/service\/type/],
    [["redis.external.addr=redis"], /redis\/external\/addr/],
    [["containerSecurityContext.readOnlyRootFs=true"], /additional propert.*readOnlyRootFs/],
    [["image.digest=latest"], /image\/digest/],
    [["web.enabled=true", "web.ingress.enabled=true"], /web\/ingress\/host/],
    [["web.ingress.host=not a host"], /web\/ingress\/host/],
    [["web.tls.enabled=true"], /web\/tls\/existingSecret/],
    [["web.replicaCount=0"], /web\/replicaCount/],
    [["web.config.featurecodesUrl=https://fc:8080"], /web\/config\/featurecodesUrl/],
    [["web.config.adapters=featurecodes"], /web\/config\/adapters/],
    [["web.config.httpThreads=1"], /web\/config\/httpThreads/],
    [["web.config.sessionTtl=1day"], /web\/config\/sessionTtl/],
    [["web.sessionSecret.existingSecretKey="], /web\/sessionSecret\/existingSecretKey/],
    [["web.ingress.pathType=Regex"], /web\/ingress\/pathType/],
    [["web.sessionSecret.value=x"], /additional propert.*value/],
  ];
  for (const [sets, pattern] of rejections) {
    const shown = sets.filter((s) => !s.startsWith("--")).join(" ");
    await check(`schema rejects ${shown}`, () => {
      const err = renderFails(sets);
      assert(/schema/.test(err) && pattern.test(err), `unexpected error: ${err.trim()}`);
    });
  }
  const templateFailures = [
    [["xsp.enabled=true", "xsp.credentials.existingSecret=x"], /xspUrl/],
    [["xsp.enabled=true", "xsp.config.xspUrl=https://xsp"], /credentials/],
    [["server.terminationGracePeriodSeconds=20"], /terminationGracePeriodSeconds/],
    [["server.config.store=memory"], /replicaCount=1/],
    [["csta.enabled=true", "csta.tls.enabled=true"], /existingSecret/],
    [["server.pdb.minAvailable=1", "server.pdb.maxUnavailable=1"], /not both/],
    [["redis.external.addr="], /redis\.external\.addr/],
    [["server.tls.enabled=true"], /server\.tls\.existingSecret/],
    [["server.tls.requireClientCert=true"], /requireClientCert needs server\.tls\.enabled/],
    [["server.auth.publicKeys=", "server.auth.existingConfigMap=keys"], /existingConfigMapKeys/],
    [["server.auth.existingConfigMap=keys", "server.auth.existingConfigMapKeys[0]=a.pem"], /not both/],
    [["web.enabled=true", "server.tls.enabled=true", "server.tls.existingSecret=s", "server.tls.requireClientCert=true"], /hotdesk-web has no client certificate/],
    [["web.enabled=true", "web.pdb.minAvailable=1", "web.pdb.maxUnavailable=1"], /web\.pdb: .*not both/],
    [["web.enabled=true", "web.terminationGracePeriodSeconds=5"], /web\.terminationGracePeriodSeconds must exceed/],
  ];
  for (const [sets, pattern] of templateFailures) {
    await check(`render refuses ${sets.join(" ")}`, () => {
      const err = renderFails(sets);
      assert(pattern.test(err), `unexpected error: ${err.trim()}`);
    });
  }

  // -- values.yaml documentation
  await check("every value in values.yaml has an @param line, and every @param names a value", () => {
    const text = readFileSync(path.join(CHART, "values.yaml"), "utf8");
    const values = parseYaml(text);
    const schema = JSON.parse(readFileSync(path.join(CHART, "values.schema.json"), "utf8"));
    const params = [...text.matchAll(/^\s*## @param (\S+) \S/gm)].map((m) => m[1]);
    const leaves = valueLeaves(values, schema, schema, new Set(params));
    const missing = leaves.filter((l) => !params.includes(l));
    const stray = params.filter((p) => !leaves.includes(p));
    const dup = params.filter((p, i) => params.indexOf(p) !== i);
    assert(!missing.length && !stray.length && !dup.length,
      `without @param: ${missing.join(", ") || "-"}; @param for no value: ${stray.join(", ") || "-"}; duplicated: ${dup.join(", ") || "-"}`);
  });
  await check("values.schema.json: every object with named properties refuses unknown keys", () => {
    const schema = JSON.parse(readFileSync(path.join(CHART, "values.schema.json"), "utf8"));
    const open = [];
    const walk = (n, p) => {
      if (!n || typeof n !== "object") return;
      if (n.properties && n.additionalProperties !== false) open.push(p || "(root)");
      for (const [k, v] of Object.entries(n.properties ?? {})) walk(v, p ? `${p}.${k}` : k);
      for (const [k, v] of Object.entries(n.definitions ?? {})) walk(v, `#${k}`);
      for (const v of n.allOf ?? []) walk(v, p);
    };
    walk(schema, "");
    assert(!open.length, `open objects: ${open.join(", ")}`);
  });

  // -- the Dockerfile and the chart agree
  await check("deploy/Dockerfile: non-root uid matches the chart, every binary the chart runs is built, curl for helm test", () => {
    const df = readFileSync(path.join(ROOT, "deploy", "Dockerfile"), "utf8");
    const stages = df.split(/^FROM /m).slice(1);
    assert(stages.length >= 2, "not a multi-stage build");
    assert(stages.every((s) => /bookworm/.test(s.split("\n")[0]) || /DEBIAN_IMAGE/.test(s.split("\n")[0])), "a stage is not Debian bookworm");
    assert(/^ARG DEBIAN_IMAGE=debian:bookworm/m.test(df), "base image is not bookworm");
    const final = stages[stages.length - 1];
    assert(!/-dev\b/.test(final.replace(/^#.*$/gm, "")), "final stage installs -dev packages");
    assert(!/build-essential|cmake|ninja/.test(final.replace(/^#.*$/gm, "")), "final stage installs build tools");
    const uid = (df.match(/^ARG HOTDESK_UID=(\d+)/m) ?? [])[1];
    assert(/^USER \$\{HOTDESK_UID\}/m.test(final), "final stage does not switch to HOTDESK_UID");
    const values = parseYaml(readFileSync(path.join(CHART, "values.yaml"), "utf8"));
    eq(Number(uid), values.containerSecurityContext.runAsUser, "image uid vs chart runAsUser");
    assert(/\bcurl\b/.test(final), "curl (used by the helm test pod) is not in the final stage");
    const bins = (df.match(/^ARG HOTDESK_BINARIES="([^"]+)"/m) ?? [])[1]?.split(/\s+/) ?? [];
    const text = render([adaptersFile]).text + render([webFile]).text;
    const used = [...new Set([...text.matchAll(/\/usr\/local\/bin\/([a-z-]+)/g)].map((m) => m[1]))];
    const notBuilt = used.filter((b) => !bins.includes(b));
    assert(used.length >= 5 && used.includes("hotdesk-web") && !notBuilt.length, `the chart runs binaries the image lacks: ${notBuilt.join(", ")}`);
    for (const b of ["hotdesk-server", "hotdeskctl", "hotdesk-bench", "hotdesk-csta", "hotdesk-xsp", "hotdesk-xsp-sim", "hotdesk-featurecodes", "hotdesk-web"]) {
      assert(bins.includes(b), `${b} missing from HOTDESK_BINARIES`);
    }
  });

  // -- the helm test script itself, against a local gRPC health server
  await check("helm test script: passes on SERVING, fails on NOT_SERVING and on an error status", async () => {
    for (const tool of ["curl", "od"]) {
      if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return "skip";
    }
    const curlV = spawnSync("curl", ["--version"], { encoding: "utf8" }).stdout;
    if (!/HTTP2/.test(curlV)) return "skip";
    const { docs } = defaults();
    const script = ofKind(docs, "Pod")[0].spec.containers[0].args[0];
    const state = { mode: "serving", requests: [] };
    const health = await startFakeHealthServer(state);
    const metrics = await startFakeMetrics();
    try {
      const env = { SERVER_GRPC: `127.0.0.1:${health.port}`, SERVER_METRICS: `127.0.0.1:${metrics.port}`, HEALTH_ATTEMPTS: "1" };
      let r = await runShell(script, env);
      assert(r.code === 0 && /ok {3}hotdesk-server .*SERVING/.test(r.out), `SERVING: exit ${r.code}\n${r.out}`);
      assert(/ok {3}hotdesk-server metrics/.test(r.out), `metrics not checked\n${r.out}`);
      eq(state.requests[0]?.length, 0, "request body (empty HealthCheckRequest)");
      state.mode = "not-serving";
      r = await runShell(script, env);
      assert(r.code !== 0 && /FAIL hotdesk-server .*reply bytes: 00000000020802/.test(r.out), `NOT_SERVING: exit ${r.code}\n${r.out}`);
      state.mode = "error";
      r = await runShell(script, env);
      assert(r.code !== 0 && /FAIL hotdesk-server/.test(r.out), `error status: exit ${r.code}\n${r.out}`);
      state.mode = "serving";
      r = await runShell(script, { ...env, SERVER_METRICS: "127.0.0.1:1" });
      assert(r.code !== 0 && /FAIL hotdesk-server metrics/.test(r.out), `metrics down: exit ${r.code}\n${r.out}`);
    } finally {
      health.close();
      metrics.close();
    }
  });
}

await main().catch((e) => {
  failed++;
  console.log(`FAIL harness: ${e.stack ?? e}`);
});
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed ? 1 : 0);
