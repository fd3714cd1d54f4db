// What the web framework adapters share: a Guard that decides one request
// (the path the framework routes on, the license or the error its
// verification threw, the signed-in user's groups). The decision is the
// core's route check; this only keeps the license's error and fills in the
// user. See express.js.
import { InvalidLicense, UnknownName } from "./errors.js";

// The entries (node.mjs, bundler.mjs) make the class with their RouteTable.
export function makeGuard(RouteTable, License) {
  return class Guard {
    /**
     * `license`: a verified License, the InvalidLicense its verification threw
     * (every licensed path then answers with that 402), or null (no license).
     * `options.groups`: the group table (group → modules); with it a request
     * without an identity has no groups (deny by default). A module the
     * table names but the license lacks is left out of the group.
     */
    constructor(catalog, license, { groups = null, routes = null } = {}) {
      this.catalog = catalog;
      this.routes = routes ?? new RouteTable(catalog);
      if (!(license instanceof InvalidLicense || license === null || license === undefined || license instanceof License)) {
        throw new TypeError("a Guard's license is a License, the InvalidLicense its verification threw, or null");
      }
      this.license = license instanceof InvalidLicense || license === null || license === undefined ? null : license;
      // A group table of its own: another Guard of the same license, or the
      // application's own setGroup calls, cannot change this one's.
      if (this.license !== null && groups !== null && groups !== undefined) this.license = this.license.withOwnGroups();
      this.licenseError = license instanceof InvalidLicense ? license : null;
      this.checksGroups = groups !== null && groups !== undefined;
      // An identity's groups the table does not define grant nothing and are left out.
      this.groupNames = new Set(this.checksGroups ? Object.keys(groups) : []);
      if (this.checksGroups && this.license !== null) {
        const known = new Set(catalog.modules);
        const licensed = new Set(this.license.modules);
        for (const [group, modules] of Object.entries(groups)) {
          const wanted = typeof modules === "string" ? [modules] : [...modules];
          for (const module of wanted) {
            if (!known.has(module)) throw new UnknownName("unknown_module", `unknown module '${module}'`, "module", module);
          }
          this.license.setGroup(group, [...new Set(wanted)].filter((m) => licensed.has(m)).sort());
        }
      }
    }

    /** Verifies `text` with `ring`; a license that does not verify is kept as its error. */
    static verify(catalog, ring, text, { groups = null, routes = null, ...verifyOptions } = {}) {
      let license = null;
      if (text !== null && text !== undefined) {
        try {
          license = ring.verify(text, catalog, verifyOptions);
        } catch (e) {
          if (!(e instanceof InvalidLicense)) throw e;
          license = e;
        }
      }
      return new Guard(catalog, license, { groups, routes });
    }

    /**
     * The same guard matching paths with `pathCase` ("exact" or
     * "fold_ascii"), for a framework whose router folds case.
     */
    withCase(pathCase) {
      if (this.routes.options.case === pathCase) return this;
      const routes = new RouteTable(this.catalog, { case: pathCase, unmatched: this.routes.options.unmatched });
      return Object.assign(Object.create(Object.getPrototypeOf(this)), this, { routes });
    }

    /**
     * What `path` needs if the request may go on ("public", "licensed" or the
     * module); else throws the Denial (402, 403, 400) to answer with.
     * `identity`: `{ groups: string[], superuser?: boolean }` or null.
     */
    authorize(path, identity = null, { now } = {}) {
      if (this.license === null && this.licenseError !== null && this.routes.target(path) !== "public") {
        throw this.licenseError;
      }
      const options = now === undefined ? {} : { now };
      if (identity !== null && identity !== undefined && typeof identity !== "object") {
        throw new TypeError("an identity is { groups: string[], superuser?: boolean } or null");
      }
      if (typeof identity?.groups === "string") {
        throw new TypeError("identity.groups is an array of group names, not one string");
      }
      if (this.checksGroups) {
        // [] and never undefined for an anonymous request: undefined skips the user check.
        options.userGroups = identity ? [...(identity.groups ?? [])].filter((g) => this.groupNames.has(g)) : [];
        options.superuser = Boolean(identity?.superuser);
      }
      return this.routes.authorize(path, this.license, options);
    }
  };
}
