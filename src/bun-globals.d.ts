// The part of Bun's global `Bun` that src/plugin/sha256.ts and src/native/libc.ts use (the `bun`
// npm package ships no types). Declared as possibly absent: under Node.js there is no `Bun`.

declare const Bun:
  | {
      /** Bun's native hasher (BoringSSL), a global: no module to load. */
      CryptoHasher: new (algorithm: 'sha256') => {
        update(data: string): { digest(encoding: 'hex'): string };
      };
      /** The native half of `bun:ffi`: its dlopen returns an Error rather than throwing. */
      FFI?: Pick<typeof import('bun:ffi'), 'read'> & {
        dlopen<Symbols>(
          path: string,
          symbols: Record<keyof Symbols, import('bun:ffi').FFIFunction>,
        ): import('bun:ffi').Library<Symbols> | Error;
      };
    }
  | undefined;
