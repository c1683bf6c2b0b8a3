import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { AppError } from '@shared/errors/app-error';
import { createBlobStore, type BlobStore } from './blob-store';
import { createS3BlobStore } from './s3-blob-store';

export type BlobLocationOptions = Readonly<{
  /** Local directory for temp files and cached copies of an object store's blobs. */
  cacheDir: string;
  /** Where AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN and AWS_REGION are read. */
  env: Readonly<Record<string, string | undefined>>;
}>;

export type S3Location = Readonly<{
  bucket: string;
  prefix: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  objectLockDays?: number;
}>;

const PARAMS = new Set(['endpoint', 'region', 'forcePathStyle', 'objectLockDays']);
// S3 bucket naming rules: 3–63 of lowercase letters, digits, dots and hyphens.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const invalid = (location: string, why: string): AppError =>
  new AppError('input.invalid', `bad blob store location "${location}": ${why}`);

function endpointOf(location: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(location, `endpoint ${value} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalid(location, 'the endpoint must be an http(s) URL');
  return value;
}

function lockDaysOf(location: string, value: string): number {
  const days = Number(value);
  if (!/^\d+$/.test(value) || days < 1 || days > 36_500)
    throw invalid(location, 'objectLockDays must be a whole number of days from 1 to 36500');
  return days;
}

/** `s3://BUCKET[/PREFIX]?endpoint=URL&region=R&forcePathStyle=1&objectLockDays=N`, checked. */
export function parseS3Location(location: string, env: BlobLocationOptions['env']): S3Location {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw invalid(location, 'not a URL');
  }
  // Credentials come from the environment only: a URL ends up in logs and process listings.
  if (url.username !== '' || url.password !== '')
    throw invalid(
      location,
      'credentials do not belong in the location; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    );
  if (!BUCKET.test(url.hostname)) throw invalid(location, `"${url.hostname}" is not an S3 bucket name`);
  const unknown = [...url.searchParams.keys()].filter((k) => !PARAMS.has(k));
  if (unknown.length > 0) throw invalid(location, `unknown setting ${unknown.join(', ')}`);
  // Checked on the text as written: URL parsing would quietly resolve `a/../b` to `b`.
  const written = location.slice('s3://'.length).split(/[?#]/)[0] ?? '';
  if (written.split('/').some((part) => ['.', '..', '%2e', '%2e%2e'].includes(part.toLowerCase())))
    throw invalid(location, 'the prefix may not contain . or .. parts');
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  const q = url.searchParams;
  const endpoint = q.get('endpoint');
  const days = q.get('objectLockDays');
  return {
    bucket: url.hostname,
    prefix,
    ...(endpoint !== null ? { endpoint: endpointOf(location, endpoint) } : {}),
    region: q.get('region') ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    forcePathStyle: ['1', 'true'].includes(q.get('forcePathStyle') ?? ''),
    ...(days !== null ? { objectLockDays: lockDaysOf(location, days) } : {}),
  };
}

function clientFor(parsed: S3Location, env: BlobLocationOptions['env']): S3Client {
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  return new S3Client({
    region: parsed.region,
    forcePathStyle: parsed.forcePathStyle,
    ...(parsed.endpoint !== undefined ? { endpoint: parsed.endpoint } : {}),
    // Without both variables the SDK's own chain applies (instance role, shared config files).
    ...(id && secret
      ? { credentials: { accessKeyId: id, secretAccessKey: secret, sessionToken: env.AWS_SESSION_TOKEN } }
      : {}),
  });
}

async function openS3(location: string, options: BlobLocationOptions): Promise<BlobStore> {
  const parsed = parseS3Location(location, options.env);
  const client = clientFor(parsed, options.env);
  try {
    await client.send(new HeadBucketCommand({ Bucket: parsed.bucket }));
  } catch (error) {
    client.destroy();
    throw new AppError(
      'env.data-dir',
      `cannot use the bucket ${parsed.bucket}${parsed.endpoint ? ` at ${parsed.endpoint}` : ''}: ${(error as Error).name || (error as Error).message}`,
    );
  }
  return createS3BlobStore({
    client,
    bucket: parsed.bucket,
    prefix: parsed.prefix,
    cacheDir: options.cacheDir,
    ...(parsed.objectLockDays !== undefined ? { objectLock: { days: parsed.objectLockDays } } : {}),
  });
}

function openFolder(location: string): BlobStore {
  if (!isAbsolute(location)) throw invalid(location, 'a shared folder is named by its absolute path');
  const dir = resolve(location);
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw invalid(location, 'no such directory (is the shared folder mounted?)');
  }
  if (!isDir) throw invalid(location, 'not a directory');
  return createBlobStore(dir);
}

/**
 * Opens the blob store a team server names: `s3://BUCKET[/PREFIX]?…` (an S3-compatible object store)
 * or the absolute path of a directory (a shared folder). A bad location is one `input.invalid` line;
 * an unreachable bucket is refused at open, not at the first capture.
 */
export async function openBlobStoreAt(location: string, options: BlobLocationOptions): Promise<BlobStore> {
  const text = location.trim();
  if (text === '') throw invalid(location, 'empty');
  if (text.startsWith('s3://')) return openS3(text, options);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    throw invalid(location, 'only s3:// URLs and directory paths are blob stores');
  return openFolder(text);
}
