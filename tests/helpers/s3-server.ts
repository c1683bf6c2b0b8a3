import { createRequire } from 'node:module';
import { S3Client } from '@aws-sdk/client-s3';
import { tempDir } from './temp-dir';

type S3rverOptions = Readonly<{
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: readonly { name: string }[];
}>;
type S3rverInstance = {
  run: () => Promise<{ address: string; port: number }>;
  close: () => Promise<void>;
};
// s3rver ships no type declarations; this is the part of its API the tests use.
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: S3rverOptions) => S3rverInstance;

/** s3rver's fixed credentials (it checks request signatures against them). */
export const S3RVER_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' } as const;

export type S3TestServer = Readonly<{
  endpoint: string;
  /** A client for the raw API (what an administrator with the bucket's keys could do). */
  client: () => S3Client;
  stop: () => Promise<void>;
}>;

/** A real S3 REST server on 127.0.0.1 (an ephemeral port, objects in a temp directory). */
export async function startS3Server(buckets: readonly string[]): Promise<S3TestServer> {
  const dir = tempDir('vigil-s3-');
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir.path,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  return {
    endpoint,
    client: () => {
      const client = new S3Client({
        endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: {
          accessKeyId: S3RVER_ENV.AWS_ACCESS_KEY_ID,
          secretAccessKey: S3RVER_ENV.AWS_SECRET_ACCESS_KEY,
        },
      });
      clients.push(client);
      return client;
    },
    stop: async () => {
      // Kept-alive sockets would hold close() open.
      for (const client of clients) client.destroy();
      await server.close();
      dir.remove();
    },
  };
}
