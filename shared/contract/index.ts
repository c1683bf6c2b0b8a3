import type { z } from 'zod';
import { bundleMethods } from './methods/bundle';
import { captureMethods } from './methods/capture';
import { custodyMethods } from './methods/custody';
import { flagsMethods } from './methods/flags';
import { hashlistsMethods } from './methods/hashlists';
import { indicatorsMethods } from './methods/indicators';
import { intakeMethods } from './methods/intake';
import { referralsMethods } from './methods/referrals';
import { reviewMethods } from './methods/review';
import { sessionMethods } from './methods/session';
import { statsMethods } from './methods/stats';
import { usersMethods } from './methods/users';
import { wellbeingMethods } from './methods/wellbeing';
import { workspaceMethods } from './methods/workspace';

export * from './define';
export * from './envelope';
export * from './events';
export * from './methods/bundle';
export * from './methods/capture';
export * from './methods/custody';
export * from './methods/flags';
export * from './methods/hashlists';
export * from './methods/indicators';
export * from './methods/intake';
export * from './methods/referrals';
export * from './methods/review';
export * from './methods/session';
export * from './methods/stats';
export * from './methods/workspace';
export * from './methods/wellbeing';
export * from './methods/workers';

/** The whole contract: one table, shared by main, preload, the HTTP bridge and the renderer. */
export const METHODS = {
  ...sessionMethods,
  ...usersMethods,
  ...custodyMethods,
  ...intakeMethods,
  ...flagsMethods,
  ...hashlistsMethods,
  ...captureMethods,
  ...reviewMethods,
  ...referralsMethods,
  ...bundleMethods,
  ...workspaceMethods,
  ...wellbeingMethods,
  ...indicatorsMethods,
  ...statsMethods,
} as const;

export type Methods = typeof METHODS;
export type MethodName = keyof Methods;
/** What a caller passes (defaults may be omitted). */
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
/** What a handler receives after validation. */
export type MethodParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export const isMethodName = (name: string): name is MethodName => Object.hasOwn(METHODS, name);
