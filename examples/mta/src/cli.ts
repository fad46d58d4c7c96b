import { Command } from 'commander';
import { MtaKitError } from '@mtakit/core';
import { bounceCommand } from './cli/bounce.js';
import { eventsCommand } from './cli/events.js';
import { logsCommand } from './cli/logs.js';
import { policyCommand } from './cli/policy.js';
import { queueCommand } from './cli/queue.js';
import { suppressionCommand } from './cli/suppression.js';
import { ENVIRONMENT, loadConfig } from './config.js';
import { consoleLogger } from './logger.js';
import { startMta } from './mta.js';

/** The `mtakit` command line. Later subcommands (queue, bounce, policy) hang off the same program. */
export function program(): Command {
  const cli = new Command('mtakit')
    .description('mtakit: an outbound MTA built from the mtakit toolkit')
    .showHelpAfterError();
  cli
    .command('start')
    .description('start the MTA (SMTP and HTTP listeners, spool, queues) on embedded defaults')
    .addHelpText('after', `\nSettings come from MTAKIT_CONFIG (a JSON file, default ./mtakit.config.json if present)\nand these environment variables, which override it:\n${Object.entries(ENVIRONMENT).map(([v, k]) => `  ${v.padEnd(24)} ${k}`).join('\n')}\n`)
    .action(async () => {
      const mta = await startMta(loadConfig());
      const shutdown = (signal: string) => {
        consoleLogger('info', `${signal} received`);
        mta.stop().then(() => process.exit(0), (error: Error) => {
          consoleLogger('error', `shutdown failed: ${error.message}`);
          process.exit(1);
        });
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
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
