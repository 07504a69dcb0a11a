/**
 * A small HTTP(S) GET over node:http with a keep-alive agent, for the
 * reputation clients. Node's fetch (undici, web streams) costs several times
 * the CPU per request, and these requests share the thread with the packet
 * path. Answers are small JSON documents, read whole.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

const MAX_BODY_CHARS = 1 << 20;

export interface HttpAnswer {
  status: number;
  /** A response header (lower-case name), or null when absent. */
  header(name: string): string | null;
  body: string;
}

/** GETs through one keep-alive agent; a request without a complete answer in time fails with an Error named 'TimeoutError'. */
export class HttpGetter {
  private readonly agent: HttpAgent;
  private readonly secure: boolean;

  constructor(baseUrl: string, maxSockets: number) {
    this.secure = new URL(baseUrl).protocol === 'https:';
    const o = { keepAlive: true, maxSockets };
    this.agent = this.secure ? new HttpsAgent(o) : new HttpAgent(o);
  }

  get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const send = this.secure ? httpsRequest : httpRequest;
      const req = send(url, { method: 'GET', agent: this.agent, headers }, (res: IncomingMessage) => {
        res.setEncoding('utf8');
        let body = '';
        res.on('data', (chunk: string) => {
          body += chunk;
          // A reputation answer is a few hundred bytes: a server streaming more is broken or hostile.
          if (body.length > MAX_BODY_CHARS) req.destroy(new Error(`answer larger than ${MAX_BODY_CHARS} characters`));
        });
        res.on('end', () => {
          clearTimeout(timer);
          const h = res.headers;
          resolve({
            status: res.statusCode ?? 0,
            header: (name) => {
              const v = h[name];
              return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
            },
            body,
          });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      const timer = setTimeout(() => {
        const e = new Error(`no answer within ${timeoutMs} ms`);
        e.name = 'TimeoutError';
        req.destroy(e);
      }, timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end();
    });
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
