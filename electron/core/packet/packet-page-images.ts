import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppError, errorMessage } from '@shared/errors/app-error';
import { packetOfResource } from '../db/repositories/packets-repo';
import type { Workspace } from '../workspace';
import { parsePng } from './packet-png';

/**
 * The packet preview's pages: a rendered packet (a PDF in the blob store) turned into one PNG per
 * page by poppler's `pdftoppm`, so the app never shows the PDF itself — a PDF viewer would show the
 * embedded screenshots unblurred. Invariants:
 * - a page image is not evidence: it lives in `cache/packet-pages/<sha256>.png` (content-addressed,
 *   deletable, made again on demand), never in the blob store or the database;
 * - it is served only through the artifact servers' one rule (`artifact-access.ts`), which looks
 *   it up here: a page that draws an image of the capture is sensitive like a screenshot (blurred
 *   greyscale derivative until a `media.reveal`, a custody event with its duration);
 * - the lookup table lives with the open workspace, like reveal grants: a restart forgets it and
 *   the preview asks for the pages again.
 */

const run = promisify(execFile);

/** 60 dpi: an A4 page is ~500×700 px, readable on screen and quick to render and blur. */
export const PREVIEW_DPI = 60;
const TOOL_TIMEOUT_MS = 120_000;

export type PacketPageImage = Readonly<{
  page: number;
  sha256: string;
  bytes: number;
  width: number;
  height: number;
  /** The page draws at least one raster image (a screenshot, a segment): blurred by default. */
  hasImages: boolean;
}>;

export type PacketPageEntry = PacketPageImage &
  Readonly<{ resourceId: string; packetSha256: string; path: string; minors: boolean }>;

export type RenderedPages = Readonly<{ minors: boolean; pages: readonly PacketPageImage[] }>;

export type PacketPageImages = Readonly<{
  /** The pages of a packet of `resourceId` (rendered once per packet, then reused); `minors`: its resource's category. */
  pagesOf: (resourceId: string, packetSha256: string) => Promise<RenderedPages>;
  /** A page image the preview asked for, by its SHA-256; null for anything else. */
  lookup: (sha256: string) => PacketPageEntry | null;
}>;

async function tool(name: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await run(name, args, { timeout: TOOL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('env.tool-missing', `${name} (poppler-utils) is needed to preview packet pages`);
    throw new AppError('packet.render-failed', `${name} failed: ${errorMessage(error)}`);
  }
}

/** Pages that draw a raster image, from `pdfimages -list` (two header lines, then `page num type …`). */
function pagesWithImages(listing: string): ReadonlySet<number> {
  const pages = new Set<number>();
  for (const line of listing.split('\n').slice(2)) {
    const page = Number.parseInt(line.trim().split(/\s+/)[0] ?? '', 10);
    if (Number.isInteger(page)) pages.add(page);
  }
  return pages;
}

function createPacketPageImages(ws: Workspace): PacketPageImages {
  const dir = join(ws.paths.root, 'cache', 'packet-pages');
  const bySha = new Map<string, PacketPageEntry>();
  const byPacket = new Map<string, Promise<RenderedPages>>();

  /** Stages: check the packet is this resource's → rasterise → list image pages → keep and index. */
  const render = async (resourceId: string, packetSha256: string): Promise<RenderedPages> => {
    const packet = await ws.db.read((c) => packetOfResource(c, resourceId, packetSha256));
    if (packet === null)
      throw new AppError('evidence.not-found', `no packet ${packetSha256} of resource ${resourceId}`);
    // pdftoppm reads a file: a remote store's packet is fetched to the local cache first.
    const pdf = await ws.blobs.localFile(packetSha256);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const work = await mkdtemp(join(dir, '.render-'));
    try {
      await tool('pdftoppm', ['-r', String(PREVIEW_DPI), '-png', pdf, join(work, 'p')]);
      const withImages = pagesWithImages(await tool('pdfimages', ['-list', pdf]));
      // pdftoppm names pages p-1.png … or p-01.png … (zero-padded to the page count's width).
      const files = (await readdir(work))
        .map((name) => ({ name, page: Number.parseInt(/^p-(\d+)\.png$/.exec(name)?.[1] ?? '', 10) }))
        .filter((f) => Number.isInteger(f.page))
        .sort((a, b) => a.page - b.page);
      const pages: PacketPageImage[] = [];
      for (const file of files) {
        const png = await readFile(join(work, file.name));
        const sha256 = createHash('sha256').update(png).digest('hex');
        const { width, height } = parsePng(png);
        const path = join(dir, `${sha256}.png`);
        await writeFile(`${path}.part`, png, { mode: 0o600 });
        await rename(`${path}.part`, path);
        const page = {
          page: file.page,
          sha256,
          bytes: png.length,
          width,
          height,
          hasImages: withImages.has(file.page),
        };
        bySha.set(sha256, { ...page, resourceId, packetSha256, path, minors: packet.minors });
        pages.push(page);
      }
      return { minors: packet.minors, pages };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };

  return {
    pagesOf: (resourceId, packetSha256) => {
      const key = `${resourceId}\u0000${packetSha256}`;
      let pending = byPacket.get(key);
      if (pending === undefined) {
        pending = render(resourceId, packetSha256);
        // A failure is not remembered: the next request tries again.
        pending.catch(() => byPacket.delete(key));
        byPacket.set(key, pending);
      }
      return pending;
    },
    lookup: (sha256) => bySha.get(sha256) ?? null,
  };
}

const imagesByWorkspace = new WeakMap<Workspace, PacketPageImages>();

export function packetPageImagesOf(ws: Workspace): PacketPageImages {
  let images = imagesByWorkspace.get(ws);
  if (images === undefined) {
    images = createPacketPageImages(ws);
    imagesByWorkspace.set(ws, images);
  }
  return images;
}
