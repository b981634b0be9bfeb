import { Readable } from 'node:stream';
import { S3Client } from '@aws-sdk/client-s3';

interface FakeRequest {
  method: string;
  path: string;
  query?: Record<string, string | string[] | null>;
  body?: unknown;
}

async function bytesOf(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string' || body instanceof Uint8Array) return Buffer.from(body);
  const parts: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Uint8Array | string>) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** An in-memory S3 behind a real S3Client: the request handler answers the few calls uploads make. */
export function fakeS3(): { s3: S3Client; objects: Map<string, Buffer>; partsSent: () => number } {
  const objects = new Map<string, Buffer>();
  const pending = new Map<string, Map<number, Buffer>>();
  let parts = 0;
  let uploads = 0;
  const reply = (body = '', headers: Record<string, string> = {}) => ({
    response: {
      statusCode: 200,
      headers: { etag: '"etag"', ...headers },
      body: Readable.from([Buffer.from(body)]),
    },
  });
  const handle = async (request: FakeRequest) => {
    const key = decodeURIComponent(request.path.split('/').slice(2).join('/'));
    const query = request.query ?? {};
    const body = await bytesOf(request.body);
    if (request.method === 'PUT' && query.partNumber !== undefined) {
      parts++;
      pending.get(String(query.uploadId))!.set(Number(query.partNumber), body);
      return reply();
    }
    if (request.method === 'PUT') {
      objects.set(key, body);
      return reply();
    }
    if (request.method === 'POST' && 'uploads' in query) {
      const id = `upload-${++uploads}`;
      pending.set(id, new Map());
      return reply(
        `<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>${key}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
      );
    }
    if (request.method === 'POST' && query.uploadId !== undefined) {
      const got = pending.get(String(query.uploadId))!;
      objects.set(key, Buffer.concat([...got.entries()].sort(([a], [b]) => a - b).map(([, p]) => p)));
      return reply(
        `<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>${key}</Key><ETag>"etag"</ETag></CompleteMultipartUploadResult>`,
      );
    }
    throw new Error(`fake S3 cannot ${request.method} ${request.path}`);
  };
  const s3 = new S3Client({
    region: 'eu-west-2',
    endpoint: 'http://s3.test',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: { handle } as never,
  });
  return { s3, objects, partsSent: () => parts };
}
