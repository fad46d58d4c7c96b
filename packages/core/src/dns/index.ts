export { NodeResolver, type Resolver, type MxRecord, type AddressRecord, type NodeResolverOptions } from './resolver.js';
export { MxResolver, type MxResolverOptions, type DomainRoute, type MxHost } from './mx-resolver.js';
export { siteNameFor, mxListSiteName } from './site-name.js';
export { HostsFile } from './hosts-file.js';
export { cidrContains, parseCidr, type Cidr } from './cidr.js';
