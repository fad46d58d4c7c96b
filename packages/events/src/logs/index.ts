export { LogArchiver, type LogArchiverOptions } from './archiver.js';
export { compressSegment } from './compress-segment.js';
export { followLogs } from './follow.js';
export { listSegments, queryLogDirs, queryLogs, recordMatches, type LogQuery, type Segment } from './query.js';
export { logsPlugin, logQueryFrom, type LogsPluginOptions } from './plugin.js';
