import { isIP } from 'node:net';

/** Whether `host` names only this machine: `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/**
 * The bind policy: loopback needs nothing; any other address (including 0.0.0.0 and ::) needs
 * a token, because the dashboard shows user data. Returns the problems, empty when allowed.
 */
export function checkBind(host: string, token: string | undefined): string[] {
  if (isLoopbackHost(host)) return [];
  if (token === undefined || token.length === 0) {
    return [`serve: binding ${host} (not loopback) exposes the dashboard to the network; set a token with --token or CENTOS_DASHBOARD_TOKEN, or bind 127.0.0.1`];
  }
  if (token.length < 16) return ['serve: the dashboard token must be at least 16 characters'];
  return [];
}
