// The types of Bun's `bun:ffi` that libc.ts declares its symbols with, and the module's own
// dlopen and read, its fallback when `Bun.FFI` is absent (the `bun` npm package ships no types).

declare module 'bun:ffi' {
  /** The C types libc.ts declares its symbols with. */
  export type FFITypeName = 'i32' | 'u32' | 'u64' | 'usize' | 'i64_fast' | 'ptr' | 'cstring';

  /** One symbol's signature. */
  export interface FFIFunction {
    readonly args?: readonly FFITypeName[];
    readonly returns?: FFITypeName;
  }

  /** What a `ptr` argument accepts: a typed array (its address is passed) or a raw address. */
  export type Pointer = number;
  export type PointerArgument = ArrayBufferView | Pointer | null;

  /** A loaded library: its symbols as JS functions. */
  export interface Library<Symbols> {
    symbols: Symbols;
  }

  /** Loads `path` and compiles a trampoline per symbol. */
  export function dlopen<Symbols>(
    path: string,
    symbols: Record<keyof Symbols, FFIFunction>,
  ): Library<Symbols>;

  /** Reads native memory at an address. */
  export const read: {
    i32(address: Pointer, byteOffset?: number): number;
  };
}
