import { readdir, readFile, readlink } from 'node:fs/promises';

const O_ACCMODE = 0o3;

/**
 * Which of `files` (absolute, real paths) some process holds open for writing, with the pids —
 * read from Linux's /proc. Elsewhere, or where /proc cannot be read, nothing is known and the
 * map is empty: the quiet period alone then decides. Processes of other users are seen only
 * when this one runs as root.
 */
export async function openWriters(files: readonly string[]): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>();
  if (process.platform !== 'linux' || files.length === 0) return found;
  const wanted = new Set(files);
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return found;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = await readlink(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (!wanted.has(target)) continue;
      try {
        const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
        const flags = /^flags:\s*([0-7]+)/m.exec(info);
        if (flags && (parseInt(flags[1]!, 8) & O_ACCMODE) === 0) continue; // read-only
      } catch {
        continue;
      }
      const list = found.get(target) ?? [];
      if (!list.includes(Number(pid))) list.push(Number(pid));
      found.set(target, list);
    }
  }
  return found;
}
