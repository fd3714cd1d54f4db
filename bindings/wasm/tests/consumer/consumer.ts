// Type-checked in the fresh project with "module": "node16" (the package's
// `types` conditions for import and require).
import { Catalog, Guard, KeyRing, type License } from "licman";
import { licensed } from "licman/express";
import { Lease, type LeaseInfo } from "licman/seats";

export function check(catalogJson: string, publicKey: string, text: string): boolean {
  const catalog = Catalog.fromJson(catalogJson);
  const license: License = new KeyRing([publicKey]).verify(text, catalog);
  const guard = Guard.verify(catalog, new KeyRing([publicKey]), text);
  const middleware = licensed(guard);
  const open: (o: { server: string; token: string; pool: string; holder: string }) => Promise<Lease> = Lease.open;
  const info: LeaseInfo | null = null;
  return license.hasModule("devices") && typeof middleware === "function" && typeof open === "function" && info === null;
}
