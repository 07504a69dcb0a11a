/**
 * The part of the WebAssembly JavaScript API that ensemble-wasm.ts uses. Node
 * has it built in, but neither lib ES2022 nor @types/node 20 declares it (it
 * lives in lib.dom), so it is declared here rather than pulling in the DOM.
 */
declare namespace WebAssembly {
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
  }
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
