// The part of Bun's global `Bun` that src/cni/bun-stdio.ts uses (the `bun` npm package ships no
// types). Only the executable (main-native.ts) ever reaches it.

/** A file Bun can read or write (here: the standard streams). */
interface BunFile {
  stream(): ReadableStream<Uint8Array>;
}

declare const Bun: {
  readonly stdin: BunFile;
  readonly stdout: BunFile;
  readonly stderr: BunFile;
  write(destination: BunFile, data: string): Promise<number>;
};
