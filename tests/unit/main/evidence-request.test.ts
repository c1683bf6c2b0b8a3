import { describe, expect, it } from 'vitest';
import { parseEvidenceRequest } from '@main/evidence-protocol';

const SHA = '0123456789abcdef'.repeat(4);

describe('evidence:// requests', () => {
  it('accept a plain blob URL and one with the reveal query the UI adds after a reveal', () => {
    expect(parseEvidenceRequest(`evidence://blob/${SHA}`)).toEqual({ sha256: SHA, reveal: false });
    expect(parseEvidenceRequest(`evidence://blob/${SHA}?reveal=3`)).toEqual({ sha256: SHA, reveal: true });
  });

  it.each([
    `evidence://blob/${SHA}?reveal=`,
    `evidence://blob/${SHA}?reveal=1&download=1`,
    `evidence://blob/${SHA}?download=1`,
    `evidence://blob/${SHA}?reveal=1#x`,
    `evidence://blob/${SHA}?reveal=A`,
    `evidence://blob/${SHA.slice(1)}?reveal=1`,
    `evidence://other/${SHA}?reveal=1`,
    `evidence://blob/${SHA}/?reveal=1`,
  ])('refuse %s', (url) => {
    expect(parseEvidenceRequest(url)).toBeNull();
  });
});
