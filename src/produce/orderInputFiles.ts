export interface InputFile {
  name: string;
  mtimeMs: number;
}

/** Names the producer never reads: hidden files and files still being copied in. */
export function isIgnoredInputName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('.partial') || name.endsWith('.tmp');
}

/** The files to send, in the order to send them: by name, then by modification time. */
export function orderInputFiles(files: readonly InputFile[]): InputFile[] {
  return files
    .filter((f) => !isIgnoredInputName(f.name))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.mtimeMs - b.mtimeMs));
}
