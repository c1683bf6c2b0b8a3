import type { SettingsService } from '../settings/settings-service';
import type { UsersService } from '../users/users-service';
import type { Workspace } from '../workspace';
import { createDecisionService, type DecisionService } from './decision-service';
import { createLegalBasisCatalogue, type LegalBasisCatalogue } from './legal-basis-catalogue';

export type ReviewDeps = Readonly<{
  ws: Workspace;
  users: UsersService;
  settings: SettingsService;
  /** Where VIGIL_BROWSER is read from for packet rendering. */
  env: NodeJS.ProcessEnv;
}>;

export type Review = Readonly<{ catalogue: LegalBasisCatalogue; decisions: DecisionService }>;

/** The review area's services over one workspace (used by the contract handlers and the CLI). */
export function createReview(deps: ReviewDeps): Review {
  const catalogue = createLegalBasisCatalogue(deps.ws);
  const decisions = createDecisionService({ ...deps, catalogue });
  return { catalogue, decisions };
}
