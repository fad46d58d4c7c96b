export { LogArchiver, type LogArchiverOptions } from './archiver.js';
export { compressSegment } from './compress-segment.js';
export { followLogs } from './follow.js';
export { listSegments, queryLogs, type LogQuery, type Segment } from './query.js';
