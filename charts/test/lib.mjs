// Shared by the chart and example checks: YAML loading, offline schema validation with
// kubernetes-models, and a tiny check harness that prints one line per check and a total.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

export class Harness {
  constructor(modules) {
    this.modules = modules;
    this.yaml = createRequire(path.join(modules, "resolve-from-here.js"))("yaml");
    this.passed = 0;
    this.failed = 0;
  }

  // Runs one named check; a thrown error fails it with its message and the run goes on.
  async check(name, fn) {
    try {
      await fn();
      this.passed++;
      console.log(`ok   - ${name}`);
    } catch (e) {
      this.failed++;
      console.log(`FAIL - ${name}: ${e.message}`);
    }
  }

  // Every non-empty document of a multi-document YAML file; a syntax error throws.
  loadDocs(file) {
    const docs = this.yaml.parseAllDocuments(fs.readFileSync(file, "utf8"));
    const out = [];
    for (const d of docs) {
      if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
      const js = d.toJS();
      if (js) out.push(js);
    }
    return out;
  }

  parse(text) {
    return this.yaml.parse(text);
  }

  // Validates one object against the kubernetes-models schema of its apiVersion/kind. Returns
  // false when the package has no model for it (the caller decides whether that is allowed).
  async validate(obj) {
    const [group, version] = obj.apiVersion.includes("/")
      ? obj.apiVersion.split("/")
      : [null, obj.apiVersion];
    let dir = group ? path.join(group, version) : version;
    // kubernetes-models 5.1 ships resource.k8s.io/v1 only; a DeviceClass has the same fields in
    // v1beta1 and v1beta2 (resource-api.md §5), so those are checked with the v1 model.
    if (group === "resource.k8s.io" && obj.kind === "DeviceClass") dir = path.join(group, "v1");
    const file = path.join(this.modules, "kubernetes-models", dir, `${obj.kind}.js`);
    if (!fs.existsSync(file)) return false;
    const mod = await import(pathToFileURL(file).href);
    const Model = mod[obj.kind];
    const copy = { ...obj, apiVersion: Model.apiVersion };
    new Model(copy).validate();
    return true;
  }

  finish(label) {
    console.log(`${label}: ${this.passed} passed, ${this.failed} failed`);
    return this.failed === 0 ? 0 : 1;
  }
}

export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// JSON with object keys sorted: YAML and helm's toYaml do not keep key order.
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

export function assertEq(got, want, what) {
  const g = canonical(got);
  const w = canonical(want);
  if (g !== w) throw new Error(`${what}: got ${g}, want ${w}`);
}

// Leaf paths where two JSON values differ, e.g. "spec.template.spec.containers.1.image".
export function diffPaths(a, b, prefix = "") {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return a === b ? [] : [prefix];
  }
  if (Array.isArray(a) !== Array.isArray(b)) return [prefix];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out = [];
  for (const k of keys) {
    out.push(...diffPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return out;
}

// Helm's values merge: objects merge key by key, everything else is replaced.
export function mergeValues(base, over) {
  if (typeof base !== "object" || base === null || Array.isArray(base)) return over;
  if (typeof over !== "object" || over === null || Array.isArray(over)) return over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeValues(base[k], v) : v;
  return out;
}
