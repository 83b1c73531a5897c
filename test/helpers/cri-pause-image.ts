// Builds the CRI tier's pause image offline: an OCI image layout tarball whose one layer holds
// Debian's /bin/busybox (busybox-static), for `ctr images import` (nothing can be pulled here).
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sh } from './sh.js';

/** The sandbox image's name, as containerd's `sandbox_image` and ctr's import name it. */
export const PAUSE_IMAGE = 'localhost/urunc-tap-test/pause:busybox';

/** The static busybox that becomes the image's only file. */
export const BUSYBOX = '/bin/busybox';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Stores `data` as a blob of the layout in `dir`; its OCI descriptor. */
async function blob(dir: string, mediaType: string, data: Buffer) {
  const digest = sha256(data);
  await writeFile(join(dir, 'blobs', 'sha256', digest), data);
  return { mediaType, digest: `sha256:${digest}`, size: data.length };
}

/** Writes the pause image tarball under `workDir`; its path. */
export async function buildPauseImage(workDir: string): Promise<string> {
  const rootfs = join(workDir, 'rootfs');
  const layout = join(workDir, 'layout');
  await mkdir(join(rootfs, 'bin'), { recursive: true });
  await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
  await copyFile(BUSYBOX, join(rootfs, 'bin', 'busybox'));
  const layerTar = join(workDir, 'layer.tar');
  // Fixed owner and times: the same busybox gives the same digests on every run.
  await sh('tar', [
    '--create',
    '--file',
    layerTar,
    '--directory',
    rootfs,
    '--sort=name',
    '--mtime=@0',
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    'bin',
  ]);
  const layerData = await readFile(layerTar);
  const layer = await blob(layout, 'application/vnd.oci.image.layer.v1.tar', layerData);
  const config = await blob(
    layout,
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        // PID 1 of the sandbox only has to stay; containerd stops a sandbox with SIGKILL.
        config: { Entrypoint: ['/bin/busybox', 'sleep', '2147483647'] },
        rootfs: { type: 'layers', diff_ids: [`sha256:${sha256(layerData)}`] },
      }),
    ),
  );
  const manifest = await blob(
    layout,
    'application/vnd.oci.image.manifest.v1+json',
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config,
        layers: [layer],
      }),
    ),
  );
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(layout, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          ...manifest,
          // A full reference here is the name ctr gives the imported image.
          annotations: { 'org.opencontainers.image.ref.name': PAUSE_IMAGE },
          platform: { architecture: 'amd64', os: 'linux' },
        },
      ],
    }),
  );
  const tarball = join(workDir, 'pause.tar');
  await sh('tar', [
    '--create',
    '--file',
    tarball,
    '--directory',
    layout,
    'oci-layout',
    'index.json',
    'blobs',
  ]);
  return tarball;
}
