import type { CliContext } from './cli-types';
import { jsonForTerminal } from './terminal-text';

/** `--json` prints the value; otherwise the human-readable text, one trailing newline. */
export const print = (ctx: Pick<CliContext, 'io' | 'json'>, value: unknown, text: string): void => {
  ctx.io.stdout(ctx.json ? `${jsonForTerminal(value, 2)}\n` : text.endsWith('\n') ? text : `${text}\n`);
};

/** A string option's value, or undefined when it was not given. */
export const str = (ctx: Pick<CliContext, 'values'>, name: string): string | undefined => {
  const v = ctx.values[name];
  return typeof v === 'string' ? v : undefined;
};
