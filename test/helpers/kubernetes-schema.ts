// Checks Kubernetes manifests against the Kubernetes API's OpenAPI schema as the npm package
// kubernetes-models ships it (compiled ajv validators), strictly: unknown fields are errors, as
// with `kubectl apply --validate=strict`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseAllDocuments } from 'yaml';

const require = createRequire(import.meta.url);

/** A kubernetes-models class: validate() checks `this` against its schema and throws on errors. */
interface ModelClass {
  prototype: { validate(this: unknown): void };
}

/** The model of `apiVersion`/`kind`: kubernetes-models/GROUP/VERSION/KIND (core: v1/KIND). */
function modelOf(apiVersion: string, kind: string): ModelClass {
  const path = `kubernetes-models/${apiVersion}/${kind}`;
  let module: Record<string, ModelClass>;
  try {
    module = require(path) as Record<string, ModelClass>;
  } catch {
    throw new Error(
      `no Kubernetes schema for ${apiVersion} ${kind} (kubernetes-models has no ${path})`,
    );
  }
  const model = module[kind];
  if (!model) throw new Error(`${path} exports no ${kind}`);
  return model;
}

/**
 * Runs `validate` on a view of `data` that records which fields it reads. The package's
 * validators are ajv code generated from the OpenAPI schema: they read every property the
 * schema declares and enumerate the keys of maps (labels, resource lists), so a field that is
 * neither read nor part of an enumerated object is one the schema does not know. (The schema
 * itself allows unknown fields: the API server prunes them, silently.)
 */
function unknownFields(data: unknown, validate: (view: unknown) => void): string[] {
  const reads = new Map<object, Set<string>>();
  const enumerated = new Set<object>();
  const views = new WeakMap<object, object>();
  const view = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object') return value;
    let proxy = views.get(value);
    if (!proxy) {
      reads.set(value, new Set());
      proxy = new Proxy(value, {
        get(target, key, receiver) {
          if (typeof key === 'string') reads.get(target)!.add(key);
          return view(Reflect.get(target, key, receiver));
        },
        ownKeys(target) {
          enumerated.add(target);
          return Reflect.ownKeys(target);
        },
      });
      views.set(value, proxy);
    }
    return proxy;
  };
  validate(view(data));
  const unknown: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (value === null || typeof value !== 'object') return;
    const read = reads.get(value);
    for (const [key, child] of Object.entries(value)) {
      const childPath = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
      if (!Array.isArray(value) && !enumerated.has(value) && !read?.has(key)) {
        unknown.push(childPath);
        continue;
      }
      walk(child, childPath);
    }
  };
  walk(data, '');
  return unknown.map((path) => path.replace(/^\./, ''));
}

/** What is wrong with one manifest: schema errors, then unknown fields. Empty when valid. */
export function manifestProblems(manifest: unknown): string[] {
  const { apiVersion, kind } = (manifest ?? {}) as { apiVersion?: unknown; kind?: unknown };
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return ['not a Kubernetes object: no apiVersion and kind'];
  }
  const model = modelOf(apiVersion, kind);
  const problems: string[] = [];
  const unknown = unknownFields(manifest, (view) => {
    try {
      model.prototype.validate.call(view);
    } catch (error) {
      problems.push(`${kind}: ${(error as Error).message}`);
    }
  });
  return [...problems, ...unknown.map((path) => `${kind}: unknown field ${path}`)];
}

/** The documents of a YAML file; a YAML syntax error fails. */
export function readManifests(path: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(path, 'utf8'));
  if (!Array.isArray(documents)) throw new Error(`${path}: no YAML documents`);
  for (const document of documents) {
    if (document.errors.length > 0) {
      throw new Error(`${path}: ${document.errors.map((e) => e.message).join('; ')}`);
    }
  }
  return documents.map((document) => document.toJS() as unknown).filter((doc) => doc !== null);
}
