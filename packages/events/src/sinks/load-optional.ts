import { ConfigError } from '@mtakit/core';

/** Imports an optional peer dependency, or says which package to install for which feature. */
export async function loadOptional<T>(name: string, feature: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    // Node says ERR_MODULE_NOT_FOUND; bundlers and test runners (Vite) word it their own way.
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)|Could not resolve/.test((error as Error).message);
    if (!missing) throw error;
    throw new ConfigError('events.sink', name, `${feature} needs the package '${name}': npm install ${name}`, { cause: error });
  }
}
