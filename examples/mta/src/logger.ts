export { consoleLogger, type Logger } from '@mtakit/core';
