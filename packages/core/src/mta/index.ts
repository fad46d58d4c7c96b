/**
 * @mtakit/core/mta — `createMta`, the assembler, and the plugin contract every mtakit package's
 * plugin implements. Knows only core's contracts; the queue, shaping, bounces, the scorer and
 * Lua policies come in as plugins.
 */
export { createMta, type CreateMtaOptions, type Mta, type MtaSmtpOptions, type MtaHttpOptions } from './create-mta.js';
export type { MtaPlugin, PluginContext, PluginProvides, QueueWiring, QueueProvider, QueueEngine, RunningQueue } from './plugin.js';
export { pluginOrder } from './order.js';
export { policyPlugin } from './policy-plugin.js';
export { loadNodeId } from './node-id.js';
export { runCluster, clusterWorker, CLUSTER_WORKER_VARIABLE, type ClusterOptions, type ClusterWorker } from './cluster.js';
export { WorkerPeers, PeerRelay, type NodePeers, type ServedTopic } from './cluster-bus.js';
export { nodeWideAround, mergeAnswers, mergeBodies } from './node-wide.js';
