import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ip = (...args: string[]) => run('ip', args, { timeout: 10_000 });

export interface Host {
  /** `host-1` … */
  name: string;
  /** The network namespace the host's processes run in. */
  netns: string;
  /** The host's own address, inside its namespace. */
  address: string;
  /** The address the host reaches the shared services at: the far end of its link, outside its namespace. */
  gateway: string;
  /** The link's end outside the namespace; down = the host is partitioned. */
  link: string;
}

export interface HostNetwork {
  hosts: Host[];
  /** Cuts the host's link: packets are dropped silently both ways, no FIN, no RST. */
  partition(host: Host): Promise<void>;
  heal(host: Host): Promise<void>;
  /** Removes every namespace, link and address this network created. */
  close(): Promise<void>;
}

/** Whether this process may create network namespaces (root, or CAP_NET_ADMIN/CAP_SYS_ADMIN); the reason when not. */
export async function netnsUnavailable(): Promise<string | undefined> {
  const probe = `centos-probe-${randomBytes(3).toString('hex')}`;
  try {
    await ip('netns', 'add', probe);
    await ip('netns', 'del', probe);
    return undefined;
  } catch (err) {
    return `network namespaces are not permitted here (ip netns add: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message})`;
  }
}

/**
 * `count` hosts, each a network namespace joined to this one by a veth pair on a private
 * /24 of 10.214.0.0/16 (host i: 10.214.i.2 inside, 10.214.i.1 outside). Nothing else is routed.
 */
export async function createHostNetwork(count: number): Promise<HostNetwork> {
  const tag = randomBytes(2).toString('hex');
  const hosts: Host[] = [];
  const network: HostNetwork = {
    hosts,
    partition: async (h) => void (await ip('link', 'set', h.link, 'down')),
    heal: async (h) => void (await ip('link', 'set', h.link, 'up')),
    async close() {
      for (const h of hosts) {
        await ip('link', 'del', h.link).catch(() => undefined);
        await ip('netns', 'del', h.netns).catch(() => undefined);
      }
    },
  };
  try {
    for (let i = 1; i <= count; i++) {
      const h: Host = { name: `host-${i}`, netns: `centos-${tag}-h${i}`, address: `10.214.${i}.2`, gateway: `10.214.${i}.1`, link: `c${tag}h${i}` };
      const inner = `${h.link}i`;
      await ip('netns', 'add', h.netns);
      hosts.push(h);
      await ip('link', 'add', h.link, 'type', 'veth', 'peer', 'name', inner);
      await ip('link', 'set', inner, 'netns', h.netns);
      await ip('addr', 'add', `${h.gateway}/24`, 'dev', h.link);
      await ip('link', 'set', h.link, 'up');
      await ip('-n', h.netns, 'addr', 'add', `${h.address}/24`, 'dev', inner);
      await ip('-n', h.netns, 'link', 'set', inner, 'up');
      await ip('-n', h.netns, 'link', 'set', 'lo', 'up');
    }
  } catch (err) {
    await network.close();
    throw err;
  }
  return network;
}
