import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's young generation at its initial size (1 MiB semi-spaces) instead of letting it grow
 * to 16 MiB. A consume worker turns each fetched MiB into several MiB of short-lived buffers and
 * strings (the HTTP body, its JSON, base64 payloads, decoded records); with a large young
 * generation they outlive a scavenge, are promoted and wait for a full collection, and the
 * allocator keeps the pages they held. `--max-semi-space-size` would do the same but can only be
 * given on the command line (Node 20's single executable takes no baked-in flags), whereas the
 * growth factor is read at every resize, so it can be set from here, at start-up.
 */
export function holdYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
