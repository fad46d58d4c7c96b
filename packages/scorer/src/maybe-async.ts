/**
 * Applies `fn` to a value that may or may not be a promise, staying synchronous when it is not:
 * lookups answered from a cache keep a stage synchronous, and a synchronous stage needs no timer.
 */
export function whenReady<T, R>(value: T | Promise<T>, fn: (value: T) => R): R | Promise<R> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}
