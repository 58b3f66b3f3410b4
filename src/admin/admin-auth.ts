/**
 * Who may use `/admin`: whoever presents ADMIN_TOKEN, as the password of HTTP Basic (any user
 * name: what a browser asks for) or, for the JSON API, as `Authorization: Bearer <token>`. Compared
 * in constant time on SHA-256 digests, as a bot's internal key is (`InternalKey`). Anything else is a 401
 * ADMIN_UNAUTHORIZED with `WWW-Authenticate`, so a browser asks for the credentials.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { InternalKey } from "../bots/internal-key.ts";
import { RequestError } from "../errors/request-error.ts";

export const ADMIN_REALM = 'Basic realm="clustered-bots admin"';

/** The secret presented in an Authorization header: Basic's password, or (when allowed) the Bearer token. */
export function presentedSecret(header: string | undefined, allowBearer: boolean): string | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(" ");
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === "bearer") return allowBearer ? value : undefined;
  if (scheme !== "basic") return undefined;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

export class AdminAuth {
  private readonly token: InternalKey;

  constructor(token: string) {
    this.token = new InternalKey(token);
  }

  matches(presented: string | undefined): boolean {
    // Compared even when absent, so every refusal costs the same.
    return this.token.matches(presented ?? "") && presented !== undefined;
  }

  /** An onRequest hook: lets the request through, or answers 401. Bearer only where `allowBearer` says. */
  check(request: FastifyRequest, reply: FastifyReply, allowBearer: boolean): void {
    if (this.matches(presentedSecret(request.headers.authorization, allowBearer))) return;
    void reply.header("www-authenticate", ADMIN_REALM);
    throw new RequestError("ADMIN_UNAUTHORIZED", "the admin page needs ADMIN_TOKEN: as the password of HTTP Basic (any user name), or as a Bearer token for /admin/api");
  }
}
