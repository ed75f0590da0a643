declare module 'kinesalite' {
  import type { Server } from 'node:http';
  interface KinesaliteOptions {
    path?: string;
    createStreamMs?: number;
    deleteStreamMs?: number;
    updateStreamMs?: number;
    shardLimit?: number;
    ssl?: boolean;
  }
  function kinesalite(options?: KinesaliteOptions): Server;
  export default kinesalite;
}

declare module 's3rver' {
  interface S3rverOptions {
    address?: string;
    port?: number;
    directory?: string;
    silent?: boolean;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: Array<{ name: string }>;
  }
  class S3rver {
    constructor(options?: S3rverOptions);
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
  export default S3rver;
}

declare module 'kinesalite/db/index.js' {
  interface SequenceParts {
    shardCreateTime: number;
    seqIx?: string;
    seqTime?: number;
    shardIx: number;
    version?: number;
  }
  const db: {
    parseSequence(seq: string): SequenceParts;
    stringifySequence(parts: SequenceParts): string;
    incrementSequence(seq: string | SequenceParts, seqTime?: number): string;
    createShardIterator(streamName: string, shardId: string, seq: string): string;
    ITERATOR_PWD_KEY: Buffer;
    ITERATOR_PWD_IV: Buffer;
  };
  export default db;
}
