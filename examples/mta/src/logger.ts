export type Logger = (level: 'info' | 'warn' | 'error', message: string) => void;

/** Progress and problems, one line each on stderr. Never pass secrets to it. */
export const consoleLogger: Logger = (level, message) => {
  process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${message}\n`);
};
