import { describe, expect, it } from 'vitest';
import { createBackend } from '@core/backend';
import { METHODS } from '@shared/contract/index';
import { tempDir } from '@tests/helpers/temp-dir';

describe('the contract', () => {
  it('has a backend handler for every method it declares', async () => {
    const dir = tempDir();
    const backend = await createBackend({ dataDir: dir.path });
    try {
      expect(Object.keys(METHODS).filter((m) => !(m in backend.handlers))).toEqual([]);
    } finally {
      await backend.close();
      dir.remove();
    }
  });
});
