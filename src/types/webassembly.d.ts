// The WebAssembly JS API, which Node provides as a global. TypeScript ships its
// types only in the DOM lib (not used by a server build), so the part Marquee
// uses is declared here.
declare namespace WebAssembly {
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    /** `shared`: the buffer is a SharedArrayBuffer that worker threads can share (needs `maximum`). */
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
}
