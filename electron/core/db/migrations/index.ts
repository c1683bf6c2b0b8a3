import type { Migration } from '../migrate';
import { migration0010 } from './0010-initial-schema';
import { migration0020 } from './0020-resource-list-indexes';
import { migration0030 } from './0030-review-packets';
import { migration0040 } from './0040-certificate-revocations';
import { migration0050 } from './0050-trusted-cas';
import { migration0060 } from './0060-time-stamps';
import { migration0070 } from './0070-cli-sessions';
import { migration0090 } from './0090-sign-in-lockouts';
import { migration0100 } from './0100-import-jobs';
import { migration0120 } from './0120-hash-lists';
import { migration0130 } from './0130-suspected-csam-flags';
import { migration0170 } from './0170-indicators';
import { migration0180 } from './0180-resource-milestones';
import { migration0210 } from './0210-scheduled-sends';
import { migration0220 } from './0220-workers';
import { migration0240 } from './0240-server-migrations';
import { migration0250 } from './0250-stats-summaries';
import { migration0140 } from './0140-reviewer-wellbeing';
import { migration0150 } from './0150-referrals';
import { migration0160 } from './0160-rechecks';
import { migration0190 } from './0190-audit-heads';
import { migration0200 } from './0200-stats-indexes';

/** Every shipped migration, oldest first. Append new ones; never edit or reorder shipped ones. */
export const MIGRATIONS: readonly Migration[] = [
  migration0010,
  migration0020,
  migration0030,
  migration0040,
  migration0050,
  migration0060,
  migration0070,
  migration0090,
  migration0100,
  migration0120,
  migration0130,
  migration0140,
  migration0150,
  migration0160,
  migration0170,
  migration0180,
  migration0190,
  migration0200,
  migration0210,
  migration0220,
  migration0240,
  migration0250,
];
