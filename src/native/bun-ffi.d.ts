// The part of Bun's `bun:ffi` that libc.ts uses (the `bun` npm package ships no types).

declare module 'bun:ffi' {
  /** The C types libc.ts declares its symbols with. */
  export type FFITypeName =
    'i32' | 'u32' | 'u64' | 'usize' | 'i64_fast' | 'ptr' | 'cstring' | 'void';

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
    close(): void;
  }

  /** Loads `path` and compiles a trampoline per symbol. */
  export function dlopen<Symbols>(
    path: string,
    symbols: Record<keyof Symbols, FFIFunction>,
  ): Library<Symbols>;

  /** The address of a typed array's first byte. */
  export function ptr(view: ArrayBufferView, byteOffset?: number): Pointer;

  /** Reads native memory at an address. */
  export const read: {
    i32(address: Pointer, byteOffset?: number): number;
  };
}
