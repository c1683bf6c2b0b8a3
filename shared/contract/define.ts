import type { z } from 'zod';
import type { Role } from '../domain/users';

/** Who may call a method. Checked in dispatch() before the handler runs, never only in the UI. */
export type Access = 'public' | 'signed-in' | readonly Role[];

export type MethodDef = Readonly<{
  input: z.ZodType;
  output: z.ZodType;
  access: Access;
}>;

export const defineMethods = <const T extends Record<string, MethodDef>>(methods: T): T => methods;
