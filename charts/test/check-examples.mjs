// Checks hack/examples: every object is valid resource.k8s.io/v1 (or core) YAML, each pod's
// claims resolve to a template or claim in the same file, each request names a DeviceClass that
// the chart or the examples create, and each documented scenario is present.
import fs from "node:fs";
import path from "node:path";
import { assert, assertEq } from "./lib.mjs";

function requestsOf(obj) {
  const spec = obj.kind === "ResourceClaimTemplate" ? obj.spec.spec : obj.spec;
  return spec.devices.requests;
}

export async function checkExamples(h, dir, chartClass) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
  const all = {};
  for (const f of files) {
    await h.check(`example ${f}: parses and validates (kubernetes-models)`, async () => {
      const docs = h.loadDocs(path.join(dir, f));
      assert(docs.length > 0, "empty");
      for (const d of docs) {
        assert(d.apiVersion === "v1" || d.apiVersion === "resource.k8s.io/v1",
          `${d.kind}: apiVersion ${d.apiVersion}`);
        assert(await h.validate(d), `no schema for ${d.kind}`);
      }
      all[f] = docs;
    });
  }
  const classes = new Set([chartClass]);
  for (const docs of Object.values(all)) {
    for (const d of docs) {
      if (d.kind !== "DeviceClass") continue;
      classes.add(d.metadata.name);
      await h.check(`example DeviceClass ${d.metadata.name}: selects dra.cpu`, () => {
        assert(d.spec.selectors[0].cel.expression.includes('device.driver == "dra.cpu"'),
          "first selector must pin the driver");
      });
    }
  }
  for (const [f, docs] of Object.entries(all)) {
    await h.check(`example ${f}: claims and pods refer to each other`, () => {
      const claims = docs.filter((d) => d.kind === "ResourceClaim" || d.kind === "ResourceClaimTemplate");
      for (const c of claims) {
        for (const r of requestsOf(c)) {
          assert(classes.has(r.exactly.deviceClassName), `unknown class ${r.exactly.deviceClassName}`);
        }
      }
      for (const p of docs.filter((d) => d.kind === "Pod")) {
        const refs = p.spec.resourceClaims ?? [];
        // A pod without claims belongs in the shared pool example only, never beside claims.
        assert(refs.length > 0 || claims.length === 0, `pod ${p.metadata.name} uses no claim`);
        for (const r of refs) {
          const target = r.resourceClaimTemplateName ?? r.resourceClaimName;
          const kind = r.resourceClaimTemplateName ? "ResourceClaimTemplate" : "ResourceClaim";
          assert(claims.some((c) => c.kind === kind && c.metadata.name === target), `no ${kind} ${target}`);
        }
        const names = new Set(refs.map((r) => r.name));
        for (const c of p.spec.containers) {
          for (const cl of c.resources?.claims ?? []) assert(names.has(cl.name), `claim ${cl.name}`);
        }
      }
    });
  }
  const reqs = (f) => (all[f] ?? []).filter((d) => d.kind.startsWith("ResourceClaim")).flatMap(requestsOf);
  await h.check("example individual: a count of CPU devices", () => {
    const r = reqs("individual.yaml");
    assert(r.length > 0 && r.every((x) => x.exactly.count > 0 && !x.exactly.capacity), "count only");
  });
  await h.check("example grouped: consumable capacity dra.cpu/cpu", () => {
    const r = reqs("grouped.yaml");
    assert(r.length > 0 && r.every((x) => x.exactly.capacity?.requests?.["dra.cpu/cpu"]), "capacity");
  });
  await h.check("example two-containers: one pod, two containers, each with its own claim", () => {
    const pods = (all["two-containers.yaml"] ?? []).filter((d) => d.kind === "Pod");
    assertEq(pods.length, 1, "pods");
    const used = pods[0].spec.containers.map((c) => (c.resources?.claims ?? []).map((x) => x.name));
    assertEq(used.length, 2, "containers");
    assert(used.every((u) => u.length === 1) && used[0][0] !== used[1][0],
      "each container its own claim (one claim belongs to one container)");
  });
  await h.check("example deviceclass: a DeviceClass variant used by a claim", () => {
    const docs = all["deviceclass.yaml"] ?? [];
    const dc = docs.find((d) => d.kind === "DeviceClass");
    assert(dc && dc.metadata.name !== chartClass, "a second class");
    assert(reqs("deviceclass.yaml").some((r) => r.exactly.deviceClassName === dc.metadata.name),
      "a claim using it");
  });
}
