import type { z } from 'zod';
import { custodyMethods } from './methods/custody';
import { sessionMethods } from './methods/session';
import { usersMethods } from './methods/users';

export * from './define';
export * from './envelope';
export * from './events';

/** The whole contract: one table, shared by main, preload, the HTTP bridge and the renderer. */
export const METHODS = {
  ...sessionMethods,
  ...usersMethods,
  ...custodyMethods,
} as const;

export type Methods = typeof METHODS;
export type MethodName = keyof Methods;
/** What a caller passes (defaults may be omitted). */
export type MethodInput<M extends MethodName> = z.input<Methods[M]['input']>;
/** What a handler receives after validation. */
export type MethodParsedInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export const isMethodName = (name: string): name is MethodName => Object.hasOwn(METHODS, name);
