// What the protocol layer hands a plugin, and what it expects back: the types both the
// dispatcher and the verbs share (types only, so neither imports the other).
import type { CniEnv, Getenv } from './env.js';
import type { GcAttachment } from './gc-attachments.js';
import type { CniResult } from './result.js';
import type { CniVersion } from './versions.js';

/** What a plugin process reads and writes. */
export interface CniIo {
  getenv: Getenv;
  readStdin(): Promise<Uint8Array>;
  writeStdout(text: string): void | Promise<void>;
}

/** One call of ADD, DEL or CHECK: validated env, the negotiated version, the raw config. */
export interface VerbRequest {
  env: CniEnv;
  version: CniVersion;
  config: Record<string, unknown>;
}

/** A STATUS or GC call: the negotiated version and the raw config (no attachment). */
export interface NetworkRequest {
  version: CniVersion;
  config: Record<string, unknown>;
}

/** A GC call: plus the attachments that must be kept. */
export interface GcRequest extends NetworkRequest {
  validAttachments: GcAttachment[];
}

/** The verbs a plugin implements; errors are thrown (CniError or anything, made Internal). */
export interface CniPlugin {
  add(request: VerbRequest): Promise<CniResult>;
  del(request: VerbRequest): Promise<void>;
  check(request: VerbRequest): Promise<void>;
  /** CNI 1.1 STATUS: resolves when ready for ADD; throws (code 50) otherwise. */
  status?(request: NetworkRequest): Promise<void>;
  /** CNI 1.1 GC: removes what belongs to attachments not in `validAttachments`. */
  gc?(request: GcRequest): Promise<void>;
}
