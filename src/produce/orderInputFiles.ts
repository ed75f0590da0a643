export interface InputFile {
  name: string;
  mtimeMs: number;
}

/** Suffixes that programs give a file while they are still writing it. */
const IN_PROGRESS_SUFFIXES = ['.tmp', '.temp', '.part', '.partial', '.filepart', '.crdownload', '.download', '.swp', '~'];

/** Names the producer never reads: hidden files (rsync's and many editors' temporaries) and files still being copied in. */
export function isIgnoredInputName(name: string): boolean {
  if (name.startsWith('.')) return true;
  const lower = name.toLowerCase();
  return IN_PROGRESS_SUFFIXES.some((s) => lower.endsWith(s));
}

/** The files to send, in the order to send them: by name, then by modification time. */
export function orderInputFiles<F extends InputFile>(files: readonly F[]): F[] {
  return files
    .filter((f) => !isIgnoredInputName(f.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.mtimeMs - b.mtimeMs));
}
