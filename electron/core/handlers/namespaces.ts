import type { MethodName } from '@shared/contract/index';
import type { bundleMethods } from '@shared/contract/methods/bundle';
import type { captureMethods } from '@shared/contract/methods/capture';
import type { custodyMethods } from '@shared/contract/methods/custody';
import type { flagsMethods } from '@shared/contract/methods/flags';
import type { hashlistsMethods } from '@shared/contract/methods/hashlists';
import type { indicatorsMethods } from '@shared/contract/methods/indicators';
import type { intakeMethods } from '@shared/contract/methods/intake';
import type { referralsMethods } from '@shared/contract/methods/referrals';
import type { reviewMethods } from '@shared/contract/methods/review';
import type { sessionMethods } from '@shared/contract/methods/session';
import type { statsMethods } from '@shared/contract/methods/stats';
import type { usersMethods } from '@shared/contract/methods/users';
import type { workspaceMethods } from '@shared/contract/methods/workspace';
import type { wellbeingMethods } from '@shared/contract/methods/wellbeing';
import type { Handlers } from '../rpc/dispatch';

/** The contract's namespaces, one per file of shared/contract/methods/, each with its own handler file here. */
type ContractNamespaces = {
  bundle: typeof bundleMethods;
  capture: typeof captureMethods;
  custody: typeof custodyMethods;
  flags: typeof flagsMethods;
  hashlists: typeof hashlistsMethods;
  indicators: typeof indicatorsMethods;
  intake: typeof intakeMethods;
  referrals: typeof referralsMethods;
  review: typeof reviewMethods;
  session: typeof sessionMethods;
  stats: typeof statsMethods;
  users: typeof usersMethods;
  workspace: typeof workspaceMethods;
  wellbeing: typeof wellbeingMethods;
};

export type Namespace = keyof ContractNamespaces;

/** The methods a namespace's contract file declares. */
export type MethodsOf<NS extends Namespace> = keyof ContractNamespaces[NS] & MethodName;

/** Exactly the handlers of one namespace: what each `create<Ns>Handlers` returns. */
export type HandlersOf<NS extends Namespace> = Pick<Handlers, MethodsOf<NS>>;
