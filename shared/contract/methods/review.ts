import { z } from 'zod';
import { DecisionInput, DecisionRecord, LegalBasis } from '@shared/domain/decision';
import { DecisionId, ResourceId } from '@shared/domain/ids';
import { ResourceSummary } from '@shared/domain/resources';
import { defineMethods } from '../define';

export const reviewMethods = defineMethods({
  'basis.list': { input: z.object({}).strict(), output: z.array(LegalBasis), access: 'signed-in' },
  /** Adds a new version of a catalogue entry (or a new entry); earlier versions stay as cited. */
  'basis.save': {
    input: LegalBasis.omit({ id: true, version: true })
      .extend({ id: LegalBasis.shape.id.optional() })
      .strict(),
    output: LegalBasis,
    access: ['admin'],
  },
  'review.list': { input: z.object({}).strict(), output: z.array(ResourceSummary), access: 'signed-in' },
  'review.request': {
    input: z.object({ resourceId: ResourceId }).strict(),
    output: z.null(),
    access: ['investigator', 'admin'],
  },
  /** Signs a decision with the reviewer's key; the password unlocks it and is never stored. */
  'review.decide': {
    input: z
      .object({ resourceId: ResourceId, decision: DecisionInput, password: z.string().max(1024) })
      .strict(),
    output: DecisionRecord,
    access: ['reviewer'],
  },
  'decisions.get': {
    input: z.object({ id: DecisionId }).strict(),
    output: DecisionRecord,
    access: 'signed-in',
  },
  /**
   * Renders the review packet (or a draft before a decision exists); the PDF is served as an artifact.
   * With `password`, and only when the caller signed the resource's latest decision, the packet is
   * PAdES-signed with the caller's key (the password unlocks it and is never stored); otherwise it is
   * rendered unsigned. `signed` says which happened.
   */
  'packet.render': {
    input: z
      .object({
        resourceId: ResourceId,
        language: z.enum(['en', 'ar', 'ru']).optional(),
        password: z.string().max(1024).optional(),
      })
      .strict(),
    output: z.object({
      sha256: z.string(),
      pages: z.number().int(),
      bytes: z.number().int(),
      signed: z.boolean(),
      /** Unsigned after a decision: a copy marked COPY — NOT SIGNED, never the packet of record. */
      copy: z.boolean().optional(),
      /** What a signed packet lacks (`packet.not-timestamped`: B-B only; `packet.no-crl`). */
      warnings: z.array(z.string()).optional(),
    }),
    access: 'signed-in',
  },
  /**
   * The pages of a rendered packet as images, for the preview (the app never shows the PDF itself):
   * each page image is served as an artifact; one that draws a captured image (`sensitive`) comes
   * blurred and greyscale until `media.reveal` of its `sha256` with this resource.
   */
  'packet.pages': {
    input: z.object({ resourceId: ResourceId, sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
    output: z.array(
      z.object({
        page: z.number().int().min(1),
        sha256: z.string(),
        width: z.number().int(),
        height: z.number().int(),
        sensitive: z.boolean(),
      }),
    ),
    access: 'signed-in',
  },
});
