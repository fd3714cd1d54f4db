// Express (4 and 5): a middleware that checks every request with a licman
// Guard and answers a refusal with its status (402, 403, 400) and the
// core's JSON body.
//
//   import express from "express";
//   import { Guard } from "licman";
//   import { licensed } from "licman/express";
//
//   const guard = Guard.verify(catalog, ring, licenseText, { groups: GROUPS });
//   app.use(sessionMiddleware);                       // your authentication first
//   app.use(licensed(guard, { identity: (req) => req.user ? { groups: req.user.groups } : null }));
//
// The path checked is the request target up to its query
// (`req.originalUrl`, and `req.url` too if a middleware before this one
// rewrote it), before Express decodes anything, so the core sees every
// escape the client sent; a target that is not a path
// (`GET http://host/x`, `GET *`) breaks the path contract and is refused
// with 400. Express matches routes without regard to case unless told
// otherwise, so the middleware matches the catalog's routes folding ASCII
// case too (with case-sensitive routing that only refuses more): without
// it, `/AUDIT-SCHEDULES` would reach the `/audit-schedules` handler while
// the check saw an unlisted path.
import { Denial } from "./errors.js";

/** The path of a request target: everything before its query. */
export function requestPath(target) {
  const text = String(target);
  const end = text.indexOf("?");
  return end === -1 ? text : text.slice(0, end);
}

/**
 * The middleware. `options.identity(req)` returns the signed-in user's
 * `{ groups, superuser }` (or a promise of it), or null when anonymous.
 * On success `req.licman.needs` says what the path needed.
 */
export function licensed(guard, { identity = null } = {}) {
  if (!guard || typeof guard.withCase !== "function") throw new TypeError("licensed() needs a licman Guard");
  guard = guard.withCase("fold_ascii");
  return function licmanLicensed(req, res, next) {
    const answer = (e) => {
      if (e instanceof Denial) {
        res.status(e.httpStatus).type("application/json").send(JSON.stringify(e.body));
      } else {
        next(e);
      }
    };
    const decide = (user) => {
      // The target as sent, and the one Express routes on if a middleware
      // before this one rewrote req.url: both must pass.
      const sent = requestPath(req.originalUrl ?? req.url);
      const routed = requestPath(req.url);
      const needs = guard.authorize(sent, user ?? null);
      req.licman = { needs: routed === sent ? needs : guard.authorize(routed, user ?? null) };
    };
    let user;
    try {
      user = identity ? identity(req) : null;
      if (!(user && typeof user.then === "function")) {
        decide(user);
      }
    } catch (e) {
      answer(e);
      return;
    }
    if (user && typeof user.then === "function") {
      Promise.resolve(user).then(decide).then(() => next(), answer);
      return;
    }
    next();
  };
}
