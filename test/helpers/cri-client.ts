// A CRI client (runtime.v1.RuntimeService over containerd's unix socket) that makes the calls
// kubelet makes for a pod sandbox, from the project's own minimal proto (test/cri/runtime-v1.proto).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

const PROTO = fileURLToPath(new URL('../cri/runtime-v1.proto', import.meta.url));

/** A pod as kubelet describes it to RunPodSandbox. */
export interface PodSpec {
  name: string;
  uid: string;
  namespace?: string;
  attempt?: number;
  /** RuntimeClass handler: "" (the default runtime, runc) or "urunc". */
  runtimeHandler?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** kubelet's pod log directory (containerd creates nothing in it for a bare sandbox). */
  logDirectory?: string;
  /** The pod's cgroup (kubelet's /kubepods/<qos>/pod<uid>); the sandbox's goes under it. */
  cgroupParent?: string;
}

/** What PodSandboxStatus says of a sandbox, with the verbose info containerd adds. */
export interface SandboxStatus {
  id: string;
  state: 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
  ip: string;
  runtimeHandler: string;
  annotations: Record<string, string>;
  /** The pause process (0 once it is gone). */
  pid: number;
  /** The pod network namespace's path (/var/run/netns/cni-<uuid>). */
  netns: string;
}

/** One runtime condition of Status (RuntimeReady, NetworkReady). */
export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

type Call = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: any) => void,
) => void;

let definition: grpc.GrpcObject | undefined;
function service(name: 'RuntimeService' | 'ImageService'): grpc.ServiceClientConstructor {
  definition ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(PROTO, { keepCase: true, longs: String, enums: String, defaults: true }),
  );
  const v1 = (definition.runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
  return v1[name] as grpc.ServiceClientConstructor;
}

/** Where the network namespace of a sandbox is, from containerd's verbose info JSON. */
function netnsOf(info: any): string {
  const namespaces: { type: string; path?: string }[] = info?.runtimeSpec?.linux?.namespaces ?? [];
  return namespaces.find((namespace) => namespace.type === 'network')?.path ?? '';
}

/** A kubelet-shaped client of one containerd's RuntimeService (and ImageStatus). */
export class CriClient {
  private readonly runtime: grpc.Client;
  private readonly images: grpc.Client;

  constructor(socket: string) {
    const address = `unix://${socket}`;
    const credentials = grpc.credentials.createInsecure();
    // Reconnect quickly: the tests restart containerd, and grpc-js backs off up to 2 minutes.
    const options = {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    };
    this.runtime = new (service('RuntimeService'))(address, credentials, options);
    this.images = new (service('ImageService'))(address, credentials, options);
  }

  private call<T>(method: string, request: unknown, timeoutMs = 120_000): Promise<T> {
    const client = method === 'ImageStatus' ? this.images : this.runtime;
    const fn = (client as unknown as Record<string, Call>)[method]!.bind(client);
    return new Promise((resolve, reject) => {
      fn(request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (error, response) =>
        error ? reject(new Error(`CRI ${method}: ${error.message}`)) : resolve(response as T),
      );
    });
  }

  /** Version: the runtime's name and the CRI version it serves. */
  version(
    timeoutMs?: number,
  ): Promise<{ runtime_name: string; runtime_version: string; runtime_api_version: string }> {
    return this.call('Version', { version: 'v1' }, timeoutMs);
  }

  /** RunPodSandbox with what kubelet sends for a pod with the pod network; the sandbox ID. */
  async runPodSandbox(pod: PodSpec): Promise<string> {
    const namespace = pod.namespace ?? 'default';
    const response = await this.call<{ pod_sandbox_id: string }>('RunPodSandbox', {
      config: {
        metadata: { name: pod.name, uid: pod.uid, namespace, attempt: pod.attempt ?? 0 },
        hostname: pod.name,
        log_directory: pod.logDirectory ?? `/var/log/pods/${namespace}_${pod.name}_${pod.uid}`,
        // kubelet's ClusterFirst shape; nothing in the sandbox resolves names.
        dns_config: {
          servers: ['10.124.0.10'],
          searches: [`${namespace}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'],
          options: ['ndots:5'],
        },
        labels: {
          'io.kubernetes.pod.name': pod.name,
          'io.kubernetes.pod.namespace': namespace,
          'io.kubernetes.pod.uid': pod.uid,
          ...pod.labels,
        },
        annotations: { 'kubernetes.io/config.source': 'api', ...pod.annotations },
        linux: {
          cgroup_parent: pod.cgroupParent ?? '',
          security_context: {
            // network = POD: the sandbox gets its own netns, so CNI runs (NODE would skip it).
            namespace_options: { network: 'POD', pid: 'CONTAINER', ipc: 'POD' },
          },
        },
      },
      runtime_handler: pod.runtimeHandler ?? '',
    });
    return response.pod_sandbox_id;
  }

  /** PodSandboxStatus (verbose), reduced to what the tests read. */
  async podSandboxStatus(id: string): Promise<SandboxStatus> {
    const response = await this.call<any>('PodSandboxStatus', {
      pod_sandbox_id: id,
      verbose: true,
    });
    let info: any = {};
    try {
      info = JSON.parse(response.info?.info ?? '{}');
    } catch {
      // Not JSON: no verbose info to read.
    }
    return {
      id: response.status.id,
      state: response.status.state,
      ip: response.status.network?.ip ?? '',
      runtimeHandler: response.status.runtime_handler,
      annotations: response.status.annotations ?? {},
      pid: Number(info.pid ?? 0),
      netns: netnsOf(info),
    };
  }

  /** StopPodSandbox: containerd kills the sandbox and runs the chain's DEL (netns + prevResult). */
  async stopPodSandbox(id: string): Promise<void> {
    await this.call('StopPodSandbox', { pod_sandbox_id: id });
  }

  /** RemovePodSandbox: containerd runs DEL again (CNI_NETNS="") and forgets the sandbox. */
  async removePodSandbox(id: string): Promise<void> {
    await this.call('RemovePodSandbox', { pod_sandbox_id: id });
  }

  /** ListPodSandbox: the IDs of every sandbox this containerd knows. */
  async listPodSandboxIds(): Promise<string[]> {
    const response = await this.call<{ items: { id: string }[] }>('ListPodSandbox', {});
    return response.items.map((item) => item.id);
  }

  /** Status: the runtime conditions kubelet turns into the node's Ready and NetworkReady. */
  async status(): Promise<RuntimeCondition[]> {
    const response = await this.call<{ status: { conditions: RuntimeCondition[] } }>('Status', {
      verbose: false,
    });
    return response.status.conditions;
  }

  /** ImageStatus: whether the runtime has `image` (its ID), as kubelet checks before a pull. */
  async imageId(image: string): Promise<string | undefined> {
    const response = await this.call<{ image: { id: string } | null }>('ImageStatus', {
      image: { image },
    });
    return response.image?.id || undefined;
  }

  /** Closes the channels. */
  close(): void {
    this.runtime.close();
    this.images.close();
  }
}
