/**
 * Who may see the dashboard. On loopback anyone on the machine may, unless a
 * token was given; beyond loopback a token is mandatory. The token arrives as
 * `Authorization: Bearer T`, as `?token=T` on the page URL (the server then
 * sets an HttpOnly cookie so the page's own requests carry it), or as that
 * cookie. Comparison is constant-time.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export const TOKEN_COOKIE = 'wirewatch_token';

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

export type AuthResult = 'ok' | 'ok-set-cookie' | 'denied';

/** Checks a request against `token` (null = no token required). */
export function authorize(req: IncomingMessage, url: URL, token: string | null): AuthResult {
  if (token === null) return 'ok';
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ') && sameSecret(auth.slice(7).trim(), token)) return 'ok';
  const cookie = cookieValue(req.headers.cookie, TOKEN_COOKIE);
  if (cookie !== null && sameSecret(cookie, token)) return 'ok';
  const q = url.searchParams.get('token');
  if (q !== null && sameSecret(q, token)) return 'ok-set-cookie';
  return 'denied';
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
}
