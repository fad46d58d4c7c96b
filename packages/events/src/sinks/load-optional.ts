import { ConfigError } from '@mtakit/core';

/** Imports an optional peer dependency, or says which package to install for which feature. */
export async function loadOptional<T>(name: string, feature: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConfigError('events.sink', name, `${feature} needs the package '${name}': npm install ${name}`, { cause: error });
  }
}
