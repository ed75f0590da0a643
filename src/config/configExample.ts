import { configLeaves } from './configLeaves.ts';

type Tree = { [k: string]: unknown };

/** config.example.json: every key with its default, each preceded by a `//key` line documenting it. */
export function configExample(): string {
  const root: Tree = { '//': 'centos configuration. Every key is optional; shown with its default. "//" keys are comments. Env: CENTOS_<KEY_PATH>, e.g. CENTOS_STREAM_NAME.' };
  for (const leaf of configLeaves) {
    let node = root;
    for (const seg of leaf.path.slice(0, -1)) node = (node[seg] ??= {}) as Tree;
    const key = leaf.path[leaf.path.length - 1]!;
    node[`//${key}`] = leaf.description;
    node[key] = leaf.defaultValue ?? null;
  }
  return JSON.stringify(root, null, 2) + '\n';
}
