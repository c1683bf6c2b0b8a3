import { z } from 'zod';

/**
 * Where a capture is, in order: waiting in the queue, the browser stages of DESIGN §4 (1–4),
 * sealing (§4 step 5), finished. Progress events, the queue and the queue screen all use this list.
 */
export const CAPTURE_STAGES = [
  'queued',
  'navigate',
  'settle',
  'snapshot',
  'archive',
  'seal',
  'done',
] as const;
export const CaptureStage = z.enum(CAPTURE_STAGES);
export type CaptureStage = z.infer<typeof CaptureStage>;

/** The stages the capture engine runs in the browser, each timed and reported as it starts. */
export const BROWSER_STAGES = [
  'navigate',
  'settle',
  'snapshot',
  'archive',
] as const satisfies readonly CaptureStage[];
export type BrowserStage = (typeof BROWSER_STAGES)[number];

/** What a running capture reports: a browser stage, then sealing, then done (never `queued`). */
export type RunningStage = Exclude<CaptureStage, 'queued'>;
