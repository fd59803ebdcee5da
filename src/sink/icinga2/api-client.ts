import { Agent, request } from 'node:https';
import { isIP } from 'node:net';
import { outcomeOfAnswer, outcomeOfError, type CallContext, type CallOutcome } from './outcome.js';

/**
 * POSTs check results to Icinga 2 over kept-alive HTTPS connections. The server certificate is
 * always verified against the configured CA (never `rejectUnauthorized: false`), by the name in
 * `serverName` when the URL holds an IP or another name than the certificate's.
 */

export interface ApiClientOptions {
  /** https://host:port, no path. */
  readonly url: URL;
  readonly user: string;
  readonly password: string;
  /** PEM of the CA that signed Icinga's certificate. */
  readonly ca: Buffer;
  readonly serverName: string;
  readonly timeoutMs: number;
  readonly maxSockets: number;
}

/** `verbose=1` makes Icinga say "Missing permission" in the 404 it answers a user without it. */
const PROCESS_CHECK_RESULT = '/v1/actions/process-check-result?verbose=1';

export class Icinga2ApiClient {
  private readonly agent: Agent;
  private readonly auth: string;

  constructor(private readonly options: ApiClientOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets, ca: options.ca });
    this.auth = `Basic ${Buffer.from(`${options.user}:${options.password}`, 'utf8').toString('base64')}`;
  }

  /**
   * One POST. A kept-alive connection the server closed meanwhile (`socket hang up` on a
   * reused socket before any answer) is retried once on a new one: that is not an outage.
   */
  async post(body: string, context: CallContext): Promise<CallOutcome> {
    const first = await this.postOnce(body, context);
    if (first.kind === 'failed' && first.reusedSocket && first.failure.reason === 'hung-up')
      return this.postOnce(body, context);
    return first;
  }

  close(): void {
    this.agent.destroy();
  }

  private postOnce(body: string, context: CallContext): Promise<CallOutcome & { reusedSocket?: boolean }> {
    const { url, timeoutMs, serverName } = this.options;
    return new Promise((resolve) => {
      let sent = false;
      let settled = false;
      const settle = (outcome: CallOutcome & { reusedSocket?: boolean }) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const req = request(
        {
          protocol: 'https:',
          host: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port === '' ? 5665 : Number(url.port),
          method: 'POST',
          path: PROCESS_CHECK_RESULT,
          agent: this.agent,
          timeout: timeoutMs,
          ca: this.options.ca,
          // SNI carries names only; an IP is checked against the certificate's IP entries.
          ...(isIP(serverName) === 0 ? { servername: serverName } : {}),
          headers: {
            Accept: 'application/json',
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            Authorization: this.auth,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            settle(outcomeOfAnswer(res.statusCode ?? 0, text, context));
          });
          res.on('error', (error: Error) => {
            settle({ kind: 'failed', failure: outcomeOfError(error, true, context, serverName) });
          });
        },
      );
      // The socket's own inactivity timeout (`timeout` above), not a timer of ours.
      req.on('timeout', () => {
        settle({ kind: 'failed', failure: outcomeOfError('timeout', sent, context, serverName) });
        req.destroy();
      });
      req.on('error', (error: Error) => {
        settle({
          kind: 'failed',
          failure: outcomeOfError(error, sent, context, serverName),
          reusedSocket: req.reusedSocket,
        });
      });
      req.end(body, () => (sent = true));
    });
  }
}
