#!/usr/bin/env node
/**
 * The `wirewatch` command line. Each command lives in commands/<name>.ts and
 * exports `register(program)`; add a command with one import and one entry
 * in COMMANDS. Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as demo from './commands/demo.js';
import * as features from './commands/features.js';
import * as flows from './commands/flows.js';
import * as read from './commands/read.js';
import * as capture from './commands/capture.js';
import * as interfaces from './commands/interfaces.js';
import * as serve from './commands/serve.js';
import { EXIT_USAGE } from './run.js';

interface CommandModule {
  register(program: Command): void;
}

const COMMANDS: readonly CommandModule[] = [read, demo, flows, capture, interfaces, features, serve];

function packageVersion(): string {
  // dist/src/cli/main.js → package.json three levels up.
  const pkgPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'package.json');
  try {
    return (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('wirewatch')
    .description('Real-time network traffic analyzer: read captures, decode, track flows, detect attacks')
    .version(packageVersion())
    .showHelpAfterError('(add --help for usage)')
    // Throw instead of exiting so usage errors map to exit code 2 (commander uses 1).
    .exitOverride();
  for (const c of COMMANDS) c.register(program);
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and --version exit 0; every parse error (message already printed) is a usage error.
      process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    throw e;
  }
  // A feature that forgot to close a handle must not keep the CLI alive forever.
  setTimeout(() => process.exit(), 5000).unref();
}

main().catch((e: unknown) => {
  process.stderr.write(`wirewatch: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
