import { createHash, timingSafeEqual } from 'node:crypto';
import { isLoopbackHost } from './checkBind.ts';

export const TOKEN_COOKIE = 'centos_token';

export interface RequestCredentials {
  /** The Host header. */
  host: string | undefined;
  authorization: string | undefined;
  cookie: string | undefined;
  /** `?token=` (accepted on the page and the live stream only). */
  queryToken: string | undefined;
  /** Whether this route takes `?token=`. */
  queryTokenAllowed: boolean;
}

export type AuthDecision =
  | { ok: true; setCookie: boolean }
  | { ok: false; status: 401 | 421; message: string };

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function hostName(host: string): string {
  const m = /^\[([^\]]+)\]|^([^:]+)/.exec(host);
  return m?.[1] ?? m?.[2] ?? host;
}

/**
 * Who may see the dashboard. Without a token (loopback only) the Host header must name
 * loopback too, so a web page elsewhere cannot reach it through DNS rebinding. With a token
 * every request must carry it: `Authorization: Bearer`, the cookie, or `?token=` where allowed.
 */
export function authorizeRequest(c: RequestCredentials, token: string | undefined): AuthDecision {
  if (token === undefined) {
    if (c.host === undefined || !isLoopbackHost(hostName(c.host))) return { ok: false, status: 421, message: 'this dashboard answers only to a loopback Host (localhost, 127.0.0.1, [::1])' };
    return { ok: true, setCookie: false };
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(c.authorization ?? '')?.[1];
  if (bearer !== undefined && sameToken(bearer, token)) return { ok: true, setCookie: false };
  const cookie = readCookie(c.cookie, TOKEN_COOKIE);
  if (cookie !== undefined && sameToken(cookie, token)) return { ok: true, setCookie: false };
  if (c.queryTokenAllowed && c.queryToken !== undefined && sameToken(c.queryToken, token)) return { ok: true, setCookie: true };
  return { ok: false, status: 401, message: 'a dashboard token is required: Authorization: Bearer <token>, or open the page once with ?token=<token>' };
}
