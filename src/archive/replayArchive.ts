import { CentosError } from '../errors.ts';
import type { Store } from '../store/Store.ts';
import { createHash } from 'node:crypto';
import { ArchiveManifest, type ManifestFilter } from './ArchiveManifest.ts';
import { parseArchiveKey } from './archiveKey.ts';
import { decodeArchiveLine, type ArchiveLine } from './archiveLine.ts';
import { readArchiveBody } from './buildArchiveObject.ts';
import type { ObjectStore } from './ObjectStore.ts';

/** A committed object is missing or does not match its manifest row. */
export class ArchiveIntegrityError extends CentosError {
  constructor(message: string) {
    super(message, { retriable: false });
  }
}

export interface ReplayInput extends ManifestFilter {
  store: Store;
  objectStore: ObjectStore;
  app: string;
}

/**
 * Every committed record, in shard order (shards by id, then position), filtered by arrival
 * time [fromMs, toMs). Objects are checked against their manifest checksum and record count.
 */
export async function* replayArchive(input: ReplayInput): AsyncGenerator<ArchiveLine> {
  const entries = await new ArchiveManifest(input.store).list(input.app, input);
  for (const e of entries) {
    const body = await input.objectStore.get(e.key);
    const sha = createHash('sha256').update(body).digest('hex');
    if (sha !== e.sha256) throw new ArchiveIntegrityError(`${e.key}: checksum ${sha} does not match the manifest's ${e.sha256}`);
    const lines = readArchiveBody(body, parseArchiveKey(e.key)?.compression ?? 'gzip');
    if (lines.length !== e.records) throw new ArchiveIntegrityError(`${e.key}: ${lines.length} records, the manifest says ${e.records}`);
    for (const text of lines) {
      const line = decodeArchiveLine(text);
      const t = Date.parse(line.arrival);
      if (input.fromMs !== undefined && t < input.fromMs) continue;
      if (input.toMs !== undefined && t >= input.toMs) continue;
      yield line;
    }
  }
}
