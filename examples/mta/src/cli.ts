import { Command } from 'commander';
import { MtaKitError } from '@mtakit/core';
import { bounceCommand } from './cli/bounce.js';
import { eventsCommand } from './cli/events.js';
import { logsCommand } from './cli/logs.js';
import { policyCommand } from './cli/policy.js';
import { queueCommand } from './cli/queue.js';
import { suppressionCommand } from './cli/suppression.js';
import { startCommands } from './cli/start.js';
import { consoleLogger } from './logger.js';

/** The `mtakit` command line. Later subcommands (queue, bounce, policy) hang off the same program. */
export function program(): Command {
  const cli = new Command('mtakit')
    .description('mtakit: an outbound MTA built from the mtakit toolkit')
    .showHelpAfterError();
  for (const command of startCommands()) cli.addCommand(command);
  cli.addCommand(policyCommand());
  cli.addCommand(queueCommand());
  cli.addCommand(bounceCommand());
  cli.addCommand(suppressionCommand());
  cli.addCommand(eventsCommand());
  cli.addCommand(logsCommand());
  return cli;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (error) {
    const message = error instanceof MtaKitError ? `${error.code}: ${error.message}` : (error as Error).stack ?? String(error);
    consoleLogger('error', message);
    process.exitCode = 1;
  }
}
