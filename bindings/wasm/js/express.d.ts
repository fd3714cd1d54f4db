// Types of licman/express. They describe the parts of Express the
// middleware uses, so the package needs no @types/express.
import type { Guard, Identity } from "./index.js";

/** What the middleware reads of a request (an Express `Request` has it). */
export interface RequestLike {
  originalUrl?: string;
  url?: string;
  /** Set on success: what the path needed ("public", "licensed" or the module). */
  licman?: { needs: string };
}

/** What the middleware calls on a response to refuse (an Express `Response` has it). */
export interface ResponseLike {
  status(code: number): ResponseLike;
  type(type: string): ResponseLike;
  send(body: string): unknown;
}

export interface LicensedOptions<Req> {
  /** The signed-in user of a request, or null when anonymous. */
  identity?: ((req: Req) => Identity | null | undefined | Promise<Identity | null | undefined>) | null;
}

/** The middleware: lets a request through or answers its 402/403/400 JSON. */
export function licensed<Req extends RequestLike>(
  guard: Guard,
  options?: LicensedOptions<Req>,
): (req: Req, res: ResponseLike, next: (err?: unknown) => void) => void;

/** The path of a request target: everything before its query. */
export function requestPath(target: string): string;
