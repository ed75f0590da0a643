/** Runs an in-memory kinesalite in its own process (so client CPU is measured apart) and prints its endpoint. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalStack } from '../src/local/startLocalStack.ts';

const dir = await mkdtemp(path.join(tmpdir(), 'centos-bench-k-'));
const stack = await startLocalStack({ dataDir: dir, kinesisPort: 0, s3Port: 0, persist: false, streamDelayMs: 0 });
process.stdout.write(stack.kinesisEndpoint + '\n');
process.on('SIGTERM', () => void stack.close().then(() => process.exit(0)));
