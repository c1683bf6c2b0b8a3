import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { AppError } from '@shared/errors/app-error';
import type { ParsedPacketModel } from './packet-model';
import { parsePng, type PngInfo } from './packet-png';

/** Reading the evidence files a packet shows or attaches, each checked against its capture record. */

export type LoadedShot = Readonly<{ bytes: Buffer; png: PngInfo }>;

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Every file the packet shows or attaches is re-hashed against the capture record it came from. */
function checkAgainstRecord(model: ParsedPacketModel, path: string, bytes: Buffer): void {
  const hash = sha256Hex(bytes);
  for (const capture of model.captures) {
    for (const artifact of capture.artifacts) {
      if (artifact.path === path && artifact.sha256 !== hash) {
        throw new AppError(
          'evidence.integrity-mismatch',
          `${artifact.name} does not match its recorded SHA-256`,
          {
            captureId: capture.id,
            artifact: artifact.name,
            expected: artifact.sha256,
            actual: hash,
          },
        );
      }
    }
  }
}

export async function readEvidence(model: ParsedPacketModel, path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new AppError('evidence.not-found', `evidence file missing: ${path}`, { cause: String(cause) });
  }
  checkAgainstRecord(model, path, bytes);
  return bytes;
}

/** Each screenshot file once (by path), read, checked and parsed, in the order the model lists them. */
export async function loadScreenshots(model: ParsedPacketModel): Promise<Map<string, LoadedShot>> {
  const shots = new Map<string, LoadedShot>();
  for (const capture of model.captures) {
    for (const shot of capture.screenshots) {
      if (shots.has(shot.file)) continue;
      const bytes = await readEvidence(model, shot.file);
      const png = parsePng(bytes);
      if (png.width !== shot.width || png.height !== shot.height) {
        throw new AppError(
          'input.invalid',
          `screenshot ${shot.file} is ${png.width}×${png.height}, not as recorded`,
        );
      }
      shots.set(shot.file, { bytes, png });
    }
  }
  return shots;
}
