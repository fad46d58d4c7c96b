import { lua, type LuaState } from 'fengari';
import { chargeBytes, chargeSteps, runMetered } from './meter.js';

/** A string result (gsub's, format's) built from pieces whose bytes are charged as they are added. */
export class Pieces {
  readonly parts: Uint8Array[] = [];
  length = 0;
  constructor(private readonly L: LuaState) {}
  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    chargeBytes(this.L, bytes.length);
    chargeSteps(this.L, 1 + (bytes.length >> 6)); // copying takes time too: a step per 64 bytes
    this.parts.push(bytes);
    this.length += bytes.length;
  }
  /** Pushes the result; its bytes were charged piece by piece already. */
  push(): void {
    const out = Buffer.concat(this.parts, this.length);
    runMetered(undefined, () => lua.lua_pushlstring(this.L, out, out.length));
  }
}
