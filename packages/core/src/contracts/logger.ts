/**
 * Where a component reports progress and problems, one line each. The one logger type of every
 * mtakit package (the queue, the plugins, createMta); an application adapts its own logger to it.
 * Never pass secrets to it.
 */
export type Logger = (level: LogLevel, message: string) => void;

export type LogLevel = 'info' | 'warn' | 'error';

/** Progress and problems, one line each on stderr. */
export const consoleLogger: Logger = (level, message) => {
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${message}\n`);
};

/** Drops every line (tests, or an application that logs elsewhere). */
export const silentLogger: Logger = () => undefined;
