/**
 * A local HTTP server speaking AbuseIPDB's documented APIv2 `GET /api/v2/check`
 * (headers Key + Accept: application/json; query ipAddress, maxAgeInDays;
 * answer {"data": {...}}; 401 with an errors body for a bad key; 429 with
 * Retry-After and X-RateLimit-* headers), with knobs for errors and delay.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  path: string;
  ipAddress: string | null;
  maxAgeInDays: string | null;
  key: string | undefined;
  accept: string | undefined;
}

export class FakeAbuseIpdb {
  readonly requests: SeenRequest[] = [];
  /** Scores by address (others get 0). */
  scores = new Map<string, number>();
  validKey = 'test-key-123';
  delayMs = 0;
  /** Answer the next N requests with this status (429, 500...). */
  failNext: { status: number; count: number; retryAfter?: string } | null = null;
  remaining = 1000;
  private server: Server | null = null;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    this.requests.push({
      path: u.pathname,
      ipAddress: u.searchParams.get('ipAddress'),
      maxAgeInDays: u.searchParams.get('maxAgeInDays'),
      key: req.headers.key as string | undefined,
      accept: req.headers.accept,
    });
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (u.pathname !== '/api/v2/check') return json(404, { errors: [{ detail: 'not found', status: 404 }] });
    if (req.headers.key !== this.validKey) {
      return json(401, { errors: [{ detail: 'Authentication failed. Your API key is either missing, incorrect, or revoked.', status: 401 }] });
    }
    if (this.failNext !== null && this.failNext.count > 0) {
      this.failNext.count--;
      const h: Record<string, string> = this.failNext.retryAfter !== undefined ? { 'Retry-After': this.failNext.retryAfter, 'X-RateLimit-Remaining': '0' } : {};
      return json(this.failNext.status, { errors: [{ detail: 'failure', status: this.failNext.status }] }, h);
    }
    const ip = u.searchParams.get('ipAddress') ?? '';
    this.remaining--;
    json(
      200,
      {
        data: {
          ipAddress: ip,
          isPublic: true,
          ipVersion: ip.includes(':') ? 6 : 4,
          isWhitelisted: false,
          abuseConfidenceScore: this.scores.get(ip) ?? 0,
          countryCode: 'NL',
          usageType: 'Data Center/Web Hosting/Transit',
          isp: 'Example Hosting',
          domain: 'example.net',
          hostnames: [],
          isTor: false,
          totalReports: this.scores.has(ip) ? 42 : 0,
          numDistinctUsers: 7,
          lastReportedAt: this.scores.has(ip) ? '2026-11-26T10:00:00+00:00' : null,
        },
      },
      { 'X-RateLimit-Limit': '1000', 'X-RateLimit-Remaining': String(this.remaining) },
    );
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
}
