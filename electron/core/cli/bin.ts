#!/usr/bin/env node
import { runCli } from './run-cli';
import type { CliIo } from './cli-types';

const io: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  stdinIsTty: process.stdin.isTTY === true,
  env: process.env,
  cwd: process.cwd(),
  waitForStop: () =>
    new Promise((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
};

process.exitCode = await runCli(process.argv.slice(2), io);
