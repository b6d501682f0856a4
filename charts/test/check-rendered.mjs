// Checks the YAML that chart-test.sh rendered for each values combination, against the
// expectations derived from values.yaml merged with that combination's ci/ file, then the
// examples. Usage: node check-rendered.mjs NODE_MODULES CHART_DIR RENDER_DIR EXAMPLES_DIR
import fs from "node:fs";
import path from "node:path";
import { Harness, assert, assertEq, diffPaths, mergeValues } from "./lib.mjs";
import { checkExamples } from "./check-examples.mjs";

// The agreed command lines (HELPERS-COMMON.md); the chart must pass nothing else.
const DRIVER_FLAGS = new Set([
  "--config", "--node-name", "--sysfs-root", "--proc-root", "--state-dir", "--cdi-dir",
  "--kubelet-registry-dir", "--kubelet-plugins-dir", "--cpu-device-mode", "--group-by",
  "--reserved-cpus", "--full-cores", "--spread-numa", "--resource-api-version", "--kubeconfig",
  "--http-port", "-v",
]);
const NRI_FLAGS = new Set([
  "--config", "--nri-socket", "--state-dir", "--plugin-name", "--plugin-index", "--http-port", "-v",
]);

// What the driver needs from the API server, and nothing more (resource-api.md §13).
const RBAC_RULES = [
  { apiGroups: [""], resources: ["nodes"], verbs: ["get"] },
  {
    apiGroups: ["resource.k8s.io"], resources: ["resourceslices"],
    verbs: ["create", "delete", "get", "list", "update", "watch"],
  },
  { apiGroups: ["resource.k8s.io"], resources: ["resourceclaims"], verbs: ["get"] },
];

const [modules, chartDir, renderDir, examplesDir] = process.argv.slice(2);
const h = new Harness(modules);
const defaults = h.parse(fs.readFileSync(path.join(chartDir, "values.yaml"), "utf8"));
const appVersion = h.parse(fs.readFileSync(path.join(chartDir, "Chart.yaml"), "utf8")).appVersion;

function flags(args, known, who) {
  const out = {};
  for (const a of args) {
    const m = /^(-v|--[a-z-]+)(?:=(.*))?$/.exec(a);
    assert(m, `${who}: malformed argument ${a}`);
    assert(known.has(m[1]), `${who}: unknown flag ${m[1]}`);
    out[m[1]] = m[2] ?? true; // a repeated flag: the last one wins, as in the binaries
  }
  return out;
}

function byKind(docs, kind) {
  return docs.filter((d) => d.kind === kind);
}

function one(docs, kind) {
  const all = byKind(docs, kind);
  assertEq(all.length, 1, `number of ${kind} objects`);
  return all[0];
}

function mountsOf(container) {
  return Object.fromEntries(container.volumeMounts.map((m) => [m.name, m]));
}

function checkContainer(c, v, known, who) {
  assertEq(c.image, `${v.image.repository}:${v.image.tag || appVersion}`, `${who} image`);
  assertEq(c.imagePullPolicy, v.image.pullPolicy, `${who} pullPolicy`);
  const f = flags(c.args, known, who);
  assertEq(f["--http-port"], String(v.httpPort), `${who} --http-port`);
  assertEq(f["-v"], String(v.verbosity), `${who} -v`);
  const tail = c.args.slice(c.args.length - v.args.length);
  assertEq(tail, v.args, `${who} extra args come last`);
  assertEq(c.resources, v.resources, `${who} resources`);
  assertEq(c.ports.length, 1, `${who} ports`);
  assertEq(c.ports[0].containerPort, v.httpPort, `${who} containerPort`);
  for (const p of ["startupProbe", "livenessProbe", "readinessProbe"]) {
    assertEq(c[p].httpGet, { path: "/healthz", port: c.ports[0].name }, `${who} ${p}`);
    for (const [k, val] of Object.entries(v[p])) assertEq(c[p][k], val, `${who} ${p}.${k}`);
  }
  const node = c.env.find((e) => e.name === "NODE_NAME");
  assertEq(node?.valueFrom?.fieldRef?.fieldPath, "spec.nodeName", `${who} NODE_NAME`);
  const sc = c.securityContext;
  assertEq([sc.privileged, sc.allowPrivilegeEscalation], [false, false], `${who} privileges`);
  assertEq(sc.capabilities, { drop: ["ALL"] }, `${who} capabilities`);
  assertEq(sc.readOnlyRootFilesystem, true, `${who} readOnlyRootFilesystem`);
  return f;
}

async function checkCase(name, docs) {
  let vals = defaults;
  if (name !== "default") {
    const file = path.join(chartDir, "ci", `${name}-values.yaml`);
    vals = mergeValues(defaults, h.parse(fs.readFileSync(file, "utf8")));
  }
  const hp = vals.hostPaths;
  const t = (what, fn) => h.check(`${name}: ${what}`, fn);

  await t("every object validates (kubernetes-models)", async () => {
    for (const d of docs) {
      const known = await h.validate(d);
      assert(known || d.kind === "ServiceMonitor", `no schema for ${d.apiVersion} ${d.kind}`);
    }
  });
  await t("exactly the expected objects", () => {
    const want = ["ConfigMap", "DaemonSet"];
    if (vals.serviceAccount.create) want.push("ServiceAccount");
    if (vals.rbac.create) want.push("ClusterRole", "ClusterRoleBinding");
    if (vals.deviceClass.create) want.push("DeviceClass");
    if (vals.serviceMonitor.enabled) want.push("Service", "ServiceMonitor");
    assertEq(docs.map((d) => d.kind).sort(), want.sort(), "kinds");
    for (const d of docs) {
      const clusterScoped = ["ClusterRole", "ClusterRoleBinding", "DeviceClass"].includes(d.kind);
      assertEq(d.metadata.namespace, clusterScoped ? undefined : "kube-system", `${d.kind} ns`);
    }
  });

  const ds = one(docs, "DaemonSet");
  const pod = ds.spec.template.spec;
  const [driver, nri] = pod.containers;
  await t("two containers: driver, nri-plugin", () => {
    assertEq(pod.containers.map((c) => c.name), ["driver", "nri-plugin"], "containers");
    const names = pod.containers.flatMap((c) => c.ports.map((p) => p.name));
    assertEq(new Set(names).size, names.length, "port names unique in the pod");
  });
  // Each container's flags against its mounts and values: [flag, expected value].
  const flagWants = {
    driver: (m) => [
      ["--config", `${m.config.mountPath}/driver.yaml`],
      ["--sysfs-root", m.sysfs.mountPath],
      ["--state-dir", m.state.mountPath],
      ["--cdi-dir", m.cdi.mountPath],
      ["--kubelet-registry-dir", m["kubelet-registry"].mountPath],
      ["--kubelet-plugins-dir", m["kubelet-plugin"].mountPath.replace(/\/dra\.cpu$/, "")],
    ],
    "nri-plugin": (m) => [
      ["--nri-socket", `${m.nri.mountPath}/nri.sock`],
      ["--state-dir", m.state.mountPath],
      ["--plugin-name", vals.nriPlugin.pluginName],
      ["--plugin-index", vals.nriPlugin.pluginIndex],
    ],
  };
  for (const [c, v, known] of [[driver, vals.driver, DRIVER_FLAGS], [nri, vals.nriPlugin, NRI_FLAGS]]) {
    await t(`${c.name} container: image, flags, probes, env, securityContext`, () => {
      const f = checkContainer(c, v, known, c.name);
      for (const [flag, want] of flagWants[c.name](mountsOf(c))) assertEq(f[flag], want, flag);
    });
  }
  await t("hostPath mounts per container, read-only where possible", () => {
    // name -> [host path, mount path, readOnly]
    const want = {
      driver: {
        "kubelet-registry": [hp.kubeletRegistryDir, hp.kubeletRegistryDir, false],
        "kubelet-plugin": [`${hp.kubeletPluginsDir}/dra.cpu`, `${hp.kubeletPluginsDir}/dra.cpu`, false],
        cdi: [hp.cdiDir, hp.cdiDir, false],
        state: [hp.stateDir, hp.stateDir, false],
        sysfs: [hp.sysfs, "/host/sys", true],
        config: [null, "/etc/dra-cpu", true],
        "kube-api-access": [null, "/var/run/secrets/kubernetes.io/serviceaccount", true],
      },
      "nri-plugin": {
        nri: [hp.nriDir, hp.nriDir, true],
        state: [hp.stateDir, hp.stateDir, vals.nriPlugin.stateDirReadOnly],
      },
    };
    const vols = Object.fromEntries(pod.volumes.map((v) => [v.name, v]));
    for (const c of pod.containers) {
      const got = mountsOf(c);
      assertEq(Object.keys(got).sort(), Object.keys(want[c.name]).sort(), `${c.name} mounts`);
      for (const [vol, [host, at, ro]] of Object.entries(want[c.name])) {
        assertEq(got[vol].mountPath, at, `${c.name} ${vol} mountPath`);
        assertEq(got[vol].readOnly === true, ro, `${c.name} ${vol} readOnly`);
        if (host) assertEq(vols[vol].hostPath?.path, host, `${vol} hostPath`);
      }
    }
    assertEq(vols.config.configMap.name, one(docs, "ConfigMap").metadata.name, "config volume");
    // API credentials reach the driver only: no automatic token for the nri-plugin.
    assertEq(pod.automountServiceAccountToken, false, "automountServiceAccountToken");
    const token = vols["kube-api-access"].projected.sources.map((x) => Object.keys(x)[0]);
    assertEq(token, ["serviceAccountToken", "configMap", "downwardAPI"], "token volume sources");
  });
  await t("pod: account, priority, placement, rollout, metadata", () => {
    const sa = vals.serviceAccount;
    assertEq(pod.serviceAccountName, sa.name || "dra-driver-cpu", "serviceAccountName");
    assertEq(pod.priorityClassName, vals.priorityClassName, "priorityClassName");
    assertEq(pod.tolerations, vals.tolerations, "tolerations");
    assertEq(pod.nodeSelector, vals.nodeSelector, "nodeSelector");
    const aff = Object.keys(vals.affinity).length ? vals.affinity : undefined;
    assertEq(pod.affinity, aff, "affinity");
    const ips = vals.imagePullSecrets.length ? vals.imagePullSecrets : undefined;
    assertEq(pod.imagePullSecrets, ips, "imagePullSecrets");
    assertEq(ds.spec.updateStrategy, {
      type: "RollingUpdate", rollingUpdate: { maxUnavailable: vals.updateStrategy.maxUnavailable },
    }, "updateStrategy");
    const labels = ds.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(ds.spec.selector.matchLabels)) assertEq(labels[k], v, k);
    for (const [k, v] of Object.entries(vals.podLabels)) assertEq(labels[k], v, k);
    const ann = ds.spec.template.metadata.annotations;
    for (const [k, v] of Object.entries(vals.podAnnotations)) assertEq(ann[k], v, k);
    assert(/^[0-9a-f]{64}$/.test(ann["checksum/config"]), "checksum/config annotation");
  });
  await t("ConfigMap holds driverConfig", () => {
    const cm = one(docs, "ConfigMap");
    assertEq(Object.keys(cm.data), ["driver.yaml"], "ConfigMap keys");
    assertEq(h.parse(cm.data["driver.yaml"]), vals.driverConfig, "driver.yaml");
  });
  if (vals.rbac.create) {
    await t("RBAC: exactly the driver's verbs, bound to the pod's account", () => {
      const role = one(docs, "ClusterRole");
      const norm = (r) => ({ ...r, verbs: [...r.verbs].sort() });
      assertEq(role.rules.map(norm), RBAC_RULES, "ClusterRole rules");
      const b = one(docs, "ClusterRoleBinding");
      assertEq(b.roleRef, {
        apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name,
      }, "roleRef");
      assertEq(b.subjects, [{
        kind: "ServiceAccount", name: pod.serviceAccountName, namespace: "kube-system",
      }], "subjects");
    });
  }
  if (vals.deviceClass.create) {
    await t("DeviceClass selects the dra.cpu driver", () => {
      const dc = one(docs, "DeviceClass");
      assertEq(dc.apiVersion, vals.deviceClass.apiVersion, "apiVersion");
      assertEq(dc.metadata.name, vals.deviceClass.name, "name");
      assertEq(dc.spec.selectors, [{ cel: { expression: 'device.driver == "dra.cpu"' } }], "CEL");
    });
  }
  if (vals.serviceMonitor.enabled) {
    await t("ServiceMonitor scrapes both containers' /metrics", () => {
      const svc = one(docs, "Service");
      const sm = one(docs, "ServiceMonitor");
      const podPorts = pod.containers.map((c) => c.ports[0]);
      assertEq(svc.spec.ports.map((p) => p.targetPort), podPorts.map((p) => p.name), "targets");
      assertEq(svc.spec.ports.map((p) => p.port), podPorts.map((p) => p.containerPort), "ports");
      const labels = ds.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(svc.spec.selector)) assertEq(labels[k], v, k);
      assertEq(sm.spec.endpoints.map((e) => [e.port, e.path, e.interval]),
        svc.spec.ports.map((p) => [p.name, "/metrics", vals.serviceMonitor.interval]), "endpoints");
      for (const [k, v] of Object.entries(vals.serviceMonitor.labels)) {
        assertEq(sm.metadata.labels[k], v, k);
      }
    });
  }
}

// Replacing one container's image is a one-value change: nothing else in any object moves.
async function checkImageOnly(name, docs, base, index) {
  await h.check(`${name}: differs from the defaults only in container ${index}'s image`, () => {
    assertEq(docs.map((d) => d.kind), base.map((d) => d.kind), "objects");
    const paths = docs.flatMap((d, i) => diffPaths(base[i], d).map((p) => `${d.kind}:${p}`));
    const c = `DaemonSet:spec.template.spec.containers.${index}`;
    assertEq(paths.sort(), [`${c}.image`, `${c}.imagePullPolicy`], "changed fields");
  });
}

const rendered = {};
for (const f of fs.readdirSync(renderDir).filter((f) => f.endsWith(".yaml")).sort()) {
  if (f === "install.yaml") continue;
  const name = path.basename(f, ".yaml");
  await h.check(`${name}: rendered YAML parses`, () => {
    rendered[name] = h.loadDocs(path.join(renderDir, f));
  });
  if (rendered[name]) await checkCase(name, rendered[name]);
}
await h.check("every ci/ values file was rendered", () => {
  const cases = fs.readdirSync(path.join(chartDir, "ci")).map((f) => f.replace(/-values\.yaml$/, ""));
  for (const c of ["default", ...cases]) assert(rendered[c], `no rendering of ${c}`);
});
if (rendered["nri-image"]) await checkImageOnly("nri-image", rendered["nri-image"], rendered.default, 1);
if (rendered["driver-image"]) {
  await checkImageOnly("driver-image", rendered["driver-image"], rendered.default, 0);
}
await checkExamples(h, examplesDir, defaults.deviceClass.name);
process.exit(h.finish("chart-test (rendered YAML and examples)"));
