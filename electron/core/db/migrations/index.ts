import type { Migration } from '../migrate';
import { migration0010 } from './0010-initial-schema';
import { migration0020 } from './0020-resource-list-indexes';
import { migration0030 } from './0030-review-packets';
import { migration0040 } from './0040-certificate-revocations';

/** Every shipped migration, oldest first. Append new ones; never edit or reorder shipped ones. */
export const MIGRATIONS: readonly Migration[] = [migration0010, migration0020, migration0030, migration0040];
