import { cidrContains, type Cidr } from '../dns/cidr.js';

/** Addresses remembered per matcher; past it the memory starts over (clients come back in bursts). */
const MAX_REMEMBERED = 4096;

/**
 * Whether client addresses lie in a fixed set of networks, remembering the answers: the listener
 * asks for every connection (greeting pause) and every recipient (relaying), mostly for the same
 * few clients, and `cidrContains` parses the address into a BigInt each time.
 */
export class NetworkMatcher {
  readonly networks: readonly Cidr[];
  readonly #known = new Map<string, boolean>();

  constructor(networks: readonly Cidr[]) {
    this.networks = networks;
  }

  contains(address: string): boolean {
    let inside = this.#known.get(address);
    if (inside === undefined) {
      inside = cidrContains(this.networks, address);
      if (this.#known.size >= MAX_REMEMBERED) this.#known.clear();
      this.#known.set(address, inside);
    }
    return inside;
  }
}
