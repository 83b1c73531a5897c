// deploy/kubernetes/*.yaml against the Kubernetes API schema (npm: kubernetes-models), strictly
// (unknown fields fail), and against what the installer needs and must not have.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { manifestProblems, readManifests } from '../helpers/kubernetes-schema.js';

const DEPLOY = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const VERSION = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
).version;

const files = readdirSync(DEPLOY).filter((file) => /\.ya?ml$/.test(file));
const all = files.flatMap((file) =>
  readManifests(join(DEPLOY, file)).map((doc) => ({ file, doc })),
);
const byKind = (kind: string) =>
  all.filter(({ doc }) => (doc as any).kind === kind).map(({ doc }) => doc as any);
const daemonSet = byKind('DaemonSet')[0];
const pod = daemonSet?.spec.template.spec;
const container = pod?.containers[0];

describe('deploy/kubernetes', () => {
  it('holds a RuntimeClass and a DaemonSet, and nothing of RBAC', () => {
    expect(files.sort()).toEqual(['daemonset.yaml', 'runtimeclass.yaml']);
    expect(all.map(({ doc }) => (doc as any).kind).sort()).toEqual(['DaemonSet', 'RuntimeClass']);
  });

  it.each(all.map(({ file, doc }) => [`${file}: ${(doc as any).kind}`, doc]))(
    '%s matches the Kubernetes API schema, with no unknown field',
    (_, doc) => {
      expect(manifestProblems(doc)).toEqual([]);
    },
  );

  it('the checker fails on an unknown field, a wrong type, an unknown API version and a missing field', () => {
    const copy = () => structuredClone(daemonSet);
    const typo = copy();
    typo.spec.template.spec.containers[0].securityContext.privilegd = false;
    typo.spec.template.spec.hostpath = true;
    typo.spec.template.spec.volumes[0].hostPath.typ = 'Directory';
    expect(manifestProblems(typo).sort()).toEqual([
      'DaemonSet: unknown field spec.template.spec.containers[0].securityContext.privilegd',
      'DaemonSet: unknown field spec.template.spec.hostpath',
      'DaemonSet: unknown field spec.template.spec.volumes[0].hostPath.typ',
    ]);
    const wrongType = copy();
    wrongType.spec.template.spec.containers[0].resources.requests.cpu = 'lots';
    wrongType.spec.template.spec.terminationGracePeriodSeconds = 'five';
    const problems = manifestProblems(wrongType).join('\n');
    expect(problems).toContain(
      '/spec/template/spec/containers/0/resources/requests/cpu must match format "quantity"',
    );
    expect(problems).toContain('/spec/template/spec/terminationGracePeriodSeconds must be integer');
    const wrongKind = { ...copy(), kind: 'DaemonSet', apiVersion: 'apps/v1beta9' };
    expect(() => manifestProblems(wrongKind)).toThrow(
      'no Kubernetes schema for apps/v1beta9 DaemonSet',
    );
    const missing = copy();
    delete missing.spec.selector;
    delete missing.spec.template.spec.containers[0].name;
    expect(manifestProblems(missing)).toEqual([
      'DaemonSet: data/spec must have required property selector, data/spec/template/spec/containers/0 must have required property name',
    ]);
  });

  it("RuntimeClass urunc selects containerd's urunc handler", () => {
    expect(byKind('RuntimeClass')).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ name: 'urunc' }),
        handler: 'urunc',
      }),
    ]);
  });

  it('the DaemonSet runs the installer on every node, in kube-system, from the image of this version', () => {
    expect(daemonSet.metadata.namespace).toBe('kube-system');
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(daemonSet.spec.selector.matchLabels).toEqual(
      expect.objectContaining(daemonSet.spec.template.metadata.labels),
    );
    expect(pod.containers).toHaveLength(1);
    expect(container.image).toBe(`localhost/urunc-tap-installer:${VERSION}`);
    expect([...container.command, ...container.args]).toEqual([
      '/urunc-tap',
      'install',
      '--cni-bin-dir',
      '/host/opt/cni/bin',
      '--primary-conf-dir',
      '/host/etc/cni/net.d',
      '--conf-dir',
      '/host/etc/cni/urunc.d',
      '--watch',
    ]);
  });

  it('mounts exactly the three host dirs, the primary one read-only, where the args say', () => {
    const hostPaths = Object.fromEntries(
      pod.volumes.map((volume: any) => [volume.name, volume.hostPath?.path]),
    );
    const mounts = Object.fromEntries(
      container.volumeMounts.map((mount: any) => [
        mount.mountPath,
        { host: hostPaths[mount.name], readOnly: mount.readOnly === true },
      ]),
    );
    expect(mounts).toEqual({
      '/host/opt/cni/bin': { host: '/opt/cni/bin', readOnly: false },
      '/host/etc/cni/net.d': { host: '/etc/cni/net.d', readOnly: true },
      '/host/etc/cni/urunc.d': { host: '/etc/cni/urunc.d', readOnly: false },
    });
    expect(
      pod.volumes.every((volume: any) => Object.keys(volume).sort().join() === 'hostPath,name'),
    ).toBe(true);
  });

  it('needs no privilege: no capabilities, no host namespaces, no API token, small requests', () => {
    expect(container.securityContext).toMatchObject({
      runAsUser: 0,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.securityContext.capabilities.add).toBeUndefined();
    for (const key of ['hostNetwork', 'hostPID', 'hostIPC', 'serviceAccountName']) {
      expect(pod[key], key).toBeUndefined();
    }
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.resources.requests).toEqual({ cpu: '5m', memory: '64Mi' });
    expect(container.resources.limits).toEqual({ memory: '128Mi' });
  });
});
